use super::*;
use crate::pattern::Token;
use proptest::prelude::*;
use std::time::Instant;

fn found(w: Witness) -> String {
    match w {
        Witness::Found(s) => s,
        other => panic!("expected a witness, got {other:?}"),
    }
}

fn wild(text: &str) -> Glob {
    Glob::wildcard(text)
}

fn arn(text: &str) -> Glob {
    Glob::arn(text)
}

// ----- hand-written cases ------------------------------------------------------------

#[test]
fn action_prefix_star_contains_narrower_star() {
    assert!(is_subset(&wild("s3:get*"), &wild("s3:*")));
    assert!(!is_subset(&wild("s3:*"), &wild("s3:get*")));
    assert!(is_subset(&wild("s3:getobject"), &wild("s3:get*")));
    assert!(!is_disjoint(&wild("s3:get*"), &wild("s3:*object")));
    assert!(is_disjoint(&wild("s3:get*"), &wild("ec2:*")));
    assert!(is_subset(&wild("s3:?etobject"), &wild("s3:*object")));
    assert!(!is_subset(&wild("s3:*object"), &wild("s3:?etobject")));
}

#[test]
fn different_buckets_are_disjoint() {
    let b = arn("arn:aws:s3:::b/*");
    let c = arn("arn:aws:s3:::c/*");
    assert!(is_disjoint(&b, &c));
    assert!(!is_subset(&b, &c));
    // Bucket names that are prefixes of each other still differ at the slash.
    assert!(is_disjoint(
        &arn("arn:aws:s3:::b/*"),
        &arn("arn:aws:s3:::bb/*")
    ));
    assert!(!is_disjoint(
        &arn("arn:aws:s3:::b*"),
        &arn("arn:aws:s3:::bb/*")
    ));
    assert!(is_subset(
        &arn("arn:aws:s3:::bb/*"),
        &arn("arn:aws:s3:::b*")
    ));
}

#[test]
fn segment_stars_do_not_cross_colons() {
    let role_any_account = arn("arn:aws:iam::*:role/x");
    let role_one_account = arn("arn:aws:iam::123456789012:role/x");
    assert!(is_subset(&role_one_account, &role_any_account));
    // An account segment star never swallows a colon, but a free star does.
    let free = wild("arn:aws:iam::*:role/x");
    assert!(is_subset(&role_any_account, &free));
    assert!(!is_subset(&free, &role_any_account));
    let s = found(witness(&[&free], &[&role_any_account]));
    assert!(s.matches(':').count() > 5, "{s}");
    // The resource part (last segment) may contain colons.
    let logs = arn("arn:aws:logs:us-east-1:1:log-group:*");
    assert!(logs.matches("arn:aws:logs:us-east-1:1:log-group:a:log-stream:b"));
    assert!(!is_subset(
        &logs,
        &arn("arn:aws:logs:us-east-1:1:log-group:?")
    ));
    // A segment `?` is one non-colon character: `?` alone over {:} is not contained.
    let seg_one = Glob::from_tokens(vec![Token::SegChar]);
    let any_one = Glob::from_tokens(vec![Token::AnyChar]);
    assert!(is_subset(&seg_one, &any_one));
    assert_eq!(found(witness(&[&any_one], &[&seg_one])), ":");
}

#[test]
fn prefix_and_suffix_without_the_combined_pattern() {
    let (starts_a, ends_b, a_then_b) = (wild("a*"), wild("*b"), wild("a*b"));
    // Every string starting with a and ending with b matches a*b.
    assert_eq!(witness(&[&starts_a, &ends_b], &[&a_then_b]), Witness::Empty);
    // Excluding only the two-character string leaves longer ones such as "aab".
    let s = found(witness(&[&starts_a, &ends_b], &[&wild("ab")]));
    assert!(starts_a.matches(&s) && ends_b.matches(&s) && s != "ab");
    assert_eq!(s.len(), 3);
}

#[test]
fn shortest_witness_in_fixed_alphabet_order() {
    // Literal characters (sorted) come first, then ':', then the representative.
    assert_eq!(found(witness(&[&wild("?")], &[])), ":");
    assert_eq!(found(witness(&[&wild("?b")], &[])), "bb");
    assert_eq!(found(witness(&[&wild("*")], &[&wild("")])), ":");
    // The representative is 'x' unless a literal uses it.
    let no_colon = Glob::from_tokens(vec![Token::SegChar]);
    assert_eq!(found(witness(&[&no_colon], &[])), "x");
    assert_eq!(found(witness(&[&no_colon], &[&wild("x")])), "y");
    assert_eq!(found(witness(&[&wild("*")], &[])), "");
}

#[test]
fn empty_when_negatives_cover_positive() {
    assert_eq!(
        witness(&[&wild("s3:get*")], &[&wild("s3:*")]),
        Witness::Empty
    );
    assert_eq!(witness(&[&wild("s3:get*")], &[&wild("*")]), Witness::Empty);
    assert_eq!(witness(&[&wild("abc"), &wild("abd")], &[]), Witness::Empty);
    assert_eq!(
        witness(&[&wild("s3:*")], &[&wild("s3:get*"), &wild("s3:put*")]),
        Witness::Found("s3:".to_string())
    );
}

#[test]
fn state_budget_gives_unknown_not_a_guess() {
    // `*a` followed by many `?`: the subset construction must remember which of the
    // last 12 characters were `a`, which needs 2^12 states.
    let mut text = "*a".to_string();
    text.push_str(&"?".repeat(12));
    let hard = wild(&text);
    let also = wild("*b");
    assert_eq!(witness_within(&[&hard], &[&also], 100), Witness::TooLarge);
    let s = found(witness(&[&hard], &[&also]));
    assert!(hard.matches(&s) && !also.matches(&s));
}

#[test]
fn wide_products_get_a_smaller_state_budget() {
    let long = wild(&"a".repeat(64 * 200));
    let short = wild("a*");
    let narrow = Product::new(&[&short], &[]);
    let wide = Product::new(&[&long, &long], &[]);
    assert_eq!(narrow.state_budget(MAX_PRODUCT_STATES), MAX_PRODUCT_STATES);
    let budget = wide.state_budget(MAX_PRODUCT_STATES);
    assert!(budget < MAX_PRODUCT_STATES);
    assert!(budget * wide.width <= MAX_STORED_WORDS);
    // The literal fast path and the product still agree on such globs.
    assert!(is_subset(&long, &long));
    assert_eq!(witness(&[&long], &[&long]), Witness::Empty);
}

#[test]
fn equivalence_of_differently_written_globs() {
    let star_q = Glob::from_tokens(vec![Token::AnyStr, Token::AnyChar]);
    let q_star = Glob::from_tokens(vec![Token::AnyChar, Token::AnyStr]);
    assert!(is_equivalent(&star_q, &q_star));
    assert!(!is_equivalent(&wild("a*"), &wild("a?*")));
    assert!(is_equivalent(&wild("a**"), &wild("a*")));
}

#[test]
fn hint_is_used_when_it_qualifies() {
    let bucket = arn("arn:aws:s3:::bucket/*");
    let hint = "arn:aws:s3:::bucket/reports/q1.csv";
    assert_eq!(
        witness_with_hint(&[&bucket], &[], hint),
        Witness::Found(hint.to_string())
    );
}

#[test]
fn empty_stars_are_filled_for_readability() {
    let bucket = arn("arn:aws:s3:::bucket/*");
    assert_eq!(
        found(witness_with_hint(&[&bucket], &[], "nope")),
        "arn:aws:s3:::bucket/example"
    );
    let role = arn("arn:aws:iam::*:role/*");
    assert_eq!(
        found(witness_with_hint(&[&role], &[], "")),
        "arn:aws:iam::example:role/example"
    );
    // A filler that a negative glob rejects is not used.
    let no_example = wild("*example*");
    let s = found(witness_with_hint(&[&bucket], &[&no_example], ""));
    assert_eq!(s, "arn:aws:s3:::bucket/");
    // Filling the first star would break the second positive: only the other star is filled.
    let s = found(witness_with_hint(&[&wild("a*b*"), &wild("ab*")], &[], ""));
    assert_eq!(s, "abexample");
}

#[test]
fn readable_candidates_are_checked_before_use() {
    let bucket = arn("arn:aws:s3:::bucket/*");
    let plain = found(witness(&[&bucket], &[]));
    // A wrong candidate (as a buggy heuristic might produce) falls back to the proved one.
    let picked = first_satisfying(
        &[&bucket],
        &[],
        vec!["arn:aws:s3:::other/x".to_string()],
        plain.clone(),
    );
    assert_eq!(picked, plain);
    let picked = first_satisfying(
        &[&bucket],
        &[],
        vec!["arn:aws:s3:::bucket/k".to_string()],
        plain,
    );
    assert_eq!(picked, "arn:aws:s3:::bucket/k");
    // A hint that matches a negative is not returned.
    let s = found(witness_with_hint(
        &[&bucket],
        &[&arn("arn:aws:s3:::bucket/secret*")],
        "arn:aws:s3:::bucket/secret/key",
    ));
    assert_eq!(s, "arn:aws:s3:::bucket/example");
}

#[test]
fn hint_keeps_empty_and_unknown_outcomes() {
    assert_eq!(
        witness_with_hint(&[&wild("a")], &[&wild("a")], "a"),
        Witness::Empty
    );
}

#[test]
fn minimal_conflict_names_the_culprits() {
    let globs = [wild("s3:*"), wild("ec2:*"), wild("*object"), wild("iam:*")];
    let positive: Vec<&Glob> = globs.iter().collect();
    let (pos, neg) = minimal_conflict(&positive, &[]).unwrap_or_default();
    assert_eq!(pos.len(), 2);
    assert!(is_disjoint(&globs[pos[0]], &globs[pos[1]]));
    assert!(neg.is_empty());
    // A non-empty combination has no conflict.
    assert_eq!(
        minimal_conflict(&[&wild("s3:*")], &[&wild("s3:get*")]),
        None
    );
    // Covered by a negative: one positive and the covering negative.
    let negs = [wild("ec2:*"), wild("s3:*")];
    let neg_refs: Vec<&Glob> = negs.iter().collect();
    assert_eq!(
        minimal_conflict(&[&wild("s3:get*"), &wild("*")], &neg_refs),
        Some((vec![0], vec![1]))
    );
}

#[test]
fn relations_bucket_by_prefix() {
    let globs = vec![
        wild("s3:get*"),
        wild("s3:*"),
        wild("ec2:*"),
        wild("s3:getobject"),
        wild("*"),
        wild("s3:*object"),
    ];
    let rel = relations(&globs);
    assert!(rel.is_subset(0, 1));
    assert!(!rel.is_subset(1, 0));
    assert!(rel.is_subset(3, 0));
    assert!(rel.is_subset(3, 5));
    assert!(rel.is_disjoint(0, 2));
    assert!(rel.is_disjoint(2, 3));
    assert!(!rel.is_disjoint(0, 5));
    assert!(rel.is_subset(2, 4));
    assert!(rel.is_subset(4, 4));
    assert_eq!(rel.relation(9, 0), None);
    // Every pair agrees with the direct decisions.
    for i in 0..globs.len() {
        for j in 0..globs.len() {
            if i != j {
                assert_eq!(rel.is_subset(i, j), is_subset(&globs[i], &globs[j]));
                assert_eq!(rel.is_disjoint(i, j), is_disjoint(&globs[i], &globs[j]));
            }
        }
    }
    let subsets = rel.subset_pairs();
    assert!(subsets.contains(&(0, 1)) && subsets.contains(&(3, 0)));
    assert!(rel.disjoint_pairs().any(|p| p == (0, 2)));
    assert_eq!(rel.undecided_pairs().count(), 0);
}

fn action_like_patterns(count: usize) -> Vec<Glob> {
    let services = [
        "s3", "ec2", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "logs", "sts", "rds", "ecr",
        "ecs", "glue", "athena",
    ];
    let verbs = [
        "get", "put", "list", "describe", "create", "delete", "update", "tag", "untag", "start",
    ];
    let nouns = [
        "object", "bucket", "instance", "role", "policy", "function", "table", "queue", "topic",
        "key", "image", "cluster",
    ];
    let mut out = Vec::with_capacity(count);
    let mut k = 0usize;
    while out.len() < count {
        let service = services[k % services.len()];
        let verb = verbs[(k / services.len()) % verbs.len()];
        let noun = nouns[(k * 7 + k / 3) % nouns.len()];
        let text = match k % 8 {
            0 => format!("{service}:{verb}*"),
            1 => format!("{service}:{verb}{noun}"),
            2 => format!("{service}:*{noun}"),
            3 => format!("{service}:{verb}{noun}*"),
            4 => format!("{service}:?{}{noun}", &verb[1..]),
            5 => format!("{service}:*"),
            6 => format!("{service}:{verb}*{noun}"),
            _ => format!("{service}:{verb}{noun}s"),
        };
        out.push(wild(&text));
        k += 1;
    }
    out.push(wild("*"));
    out
}

#[test]
fn relations_on_many_action_patterns() {
    for count in [300, 1000] {
        let globs = action_like_patterns(count);
        let started = Instant::now();
        let rel = relations(&globs);
        let elapsed = started.elapsed();
        let pairs = globs.len() * (globs.len() - 1) / 2;
        println!(
            "relations: {} globs, {pairs} pairs, {} with compatible prefixes, {} subset pairs, {:?}",
            globs.len(),
            rel.compatible_pair_count(),
            rel.subset_pairs().len(),
            elapsed
        );
        assert_eq!(rel.undecided_pairs().count(), 0);
        // Spot-check a deterministic sample of pairs against the direct procedures.
        for i in (0..globs.len()).step_by(37) {
            for j in (0..globs.len()).step_by(11) {
                if i != j {
                    assert_eq!(rel.is_subset(i, j), is_subset(&globs[i], &globs[j]));
                    assert_eq!(rel.is_disjoint(i, j), is_disjoint(&globs[i], &globs[j]));
                }
            }
        }
        let everything = globs.len() - 1;
        assert!((0..everything).all(|i| rel.is_subset(i, everything)));
    }
}

// ----- property tests against brute force ---------------------------------------------

/// Strings over {a, b, :, x} up to this length are enumerated; see
/// `encodings/glob-automata.md` for why it covers the generated globs.
const BRUTE_FORCE_LENGTH: usize = 6;

fn all_strings(max_len: usize) -> Vec<String> {
    let alphabet = ['a', 'b', ':', 'x'];
    let mut out = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..max_len {
        let mut next = Vec::with_capacity(layer.len() * alphabet.len());
        for s in &layer {
            for c in alphabet {
                let mut t = s.clone();
                t.push(c);
                next.push(t);
            }
        }
        out.extend(next.iter().cloned());
        layer = next;
    }
    out
}

fn token() -> impl Strategy<Value = Token> {
    prop_oneof![
        Just(Token::Lit('a')),
        Just(Token::Lit('b')),
        Just(Token::Lit(':')),
        Just(Token::AnyChar),
        Just(Token::AnyStr),
        Just(Token::SegChar),
        Just(Token::SegStr),
    ]
}

fn glob() -> impl Strategy<Value = Glob> {
    prop::collection::vec(token(), 0..=4).prop_map(Glob::from_tokens)
}

fn brute_force(positive: &[&Glob], negative: &[&Glob], strings: &[String]) -> Option<String> {
    strings
        .iter()
        .find(|s| satisfies(positive, negative, s))
        .cloned()
}

/// An independent exact decider that uses nothing but the reference matcher
/// `Glob::matches`. The signature of a prefix `u` is, per glob, which token prefixes
/// `tokens[..i]` match `u`; whether `u·w` matches a glob depends on `u` only through it
/// (`u·w` matches iff some `i` has `tokens[..i]` matching `u` and `tokens[i..]` matching
/// `w`, or a star at `i - 1` straddles the boundary, which also only needs
/// `tokens[..i]` to match `u`). So prefixes with equal signatures have the same futures,
/// and breadth-first search over distinct signatures (on {a, b, :, x}, complete for globs
/// whose literals are a, b, :) finds the shortest witness or proves there is none.
fn reference_witness(positive: &[&Glob], negative: &[&Glob]) -> Option<String> {
    let signature = |u: &str| -> Vec<Vec<bool>> {
        positive
            .iter()
            .chain(negative.iter())
            .map(|g| {
                let tokens = g.tokens();
                (0..=tokens.len())
                    .map(|i| Glob::from_tokens(tokens[..i].to_vec()).matches(u))
                    .collect()
            })
            .collect()
    };
    let mut seen = std::collections::BTreeSet::from([signature("")]);
    let mut queue = std::collections::VecDeque::from([String::new()]);
    while let Some(u) = queue.pop_front() {
        if satisfies(positive, negative, &u) {
            return Some(u);
        }
        for c in ['a', 'b', ':', 'x'] {
            let mut v = u.clone();
            v.push(c);
            if seen.insert(signature(&v)) {
                queue.push_back(v);
            }
        }
    }
    None
}

fn refs(globs: &[Glob]) -> Vec<&Glob> {
    globs.iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn witness_agrees_with_brute_force(
        positive in prop::collection::vec(glob(), 0..=2),
        negative in prop::collection::vec(glob(), 0..=2),
    ) {
        let strings = all_strings(BRUTE_FORCE_LENGTH);
        let (pos, neg) = (refs(&positive), refs(&negative));
        let reference = reference_witness(&pos, &neg);
        match witness(&pos, &neg) {
            Witness::Found(s) => {
                prop_assert!(satisfies(&pos, &neg, &s), "bad witness {s:?}");
                // BFS gives a shortest witness: brute force finds none shorter.
                let shortest = brute_force(&pos, &neg, &strings);
                prop_assert_eq!(shortest.map(|t| t.chars().count()), Some(s.chars().count()));
                prop_assert_eq!(reference.map(|t| t.chars().count()), Some(s.chars().count()));
            }
            Witness::Empty => {
                prop_assert_eq!(brute_force(&pos, &neg, &strings), None);
                prop_assert_eq!(reference, None);
            }
            Witness::TooLarge => prop_assert!(false, "tiny globs exceeded the budget"),
        }
    }

    #[test]
    fn witness_agrees_with_reference_on_larger_globs(
        positive in prop::collection::vec(prop::collection::vec(token(), 0..=7), 0..=3),
        negative in prop::collection::vec(prop::collection::vec(token(), 0..=7), 0..=3),
    ) {
        let positive: Vec<Glob> = positive.into_iter().map(Glob::from_tokens).collect();
        let negative: Vec<Glob> = negative.into_iter().map(Glob::from_tokens).collect();
        let (pos, neg) = (refs(&positive), refs(&negative));
        let reference = reference_witness(&pos, &neg);
        match witness(&pos, &neg) {
            Witness::Found(s) => {
                prop_assert!(satisfies(&pos, &neg, &s));
                prop_assert_eq!(reference.map(|t| t.chars().count()), Some(s.chars().count()));
            }
            Witness::Empty => prop_assert_eq!(reference, None),
            Witness::TooLarge => prop_assert!(false, "small globs exceeded the budget"),
        }
    }

    #[test]
    fn hinted_witness_is_always_valid(
        positive in prop::collection::vec(glob(), 0..=2),
        negative in prop::collection::vec(glob(), 0..=2),
        hint in "[ab:x]{0,4}",
    ) {
        let (pos, neg) = (refs(&positive), refs(&negative));
        let plain = witness(&pos, &neg);
        let hinted = witness_with_hint(&pos, &neg, &hint);
        match (&plain, &hinted) {
            (Witness::Found(_), Witness::Found(s)) => {
                prop_assert!(satisfies(&pos, &neg, s));
                if satisfies(&pos, &neg, &hint) {
                    prop_assert_eq!(s, &hint);
                }
            }
            _ => prop_assert_eq!(&plain, &hinted),
        }
    }

    #[test]
    fn subset_and_disjoint_agree_with_brute_force(a in glob(), b in glob()) {
        let strings = all_strings(BRUTE_FORCE_LENGTH);
        let in_a_not_b = strings.iter().any(|s| a.matches(s) && !b.matches(s));
        let in_both = strings.iter().any(|s| a.matches(s) && b.matches(s));
        prop_assert_eq!(is_subset(&a, &b), !in_a_not_b);
        prop_assert_eq!(is_subset(&a, &b), reference_witness(&[&a], &[&b]).is_none());
        prop_assert_eq!(is_disjoint(&a, &b), reference_witness(&[&a, &b], &[]).is_none());
        prop_assert_eq!(is_disjoint(&a, &b), !in_both);
        let in_b_not_a = strings.iter().any(|s| b.matches(s) && !a.matches(s));
        prop_assert_eq!(is_equivalent(&a, &b), !in_a_not_b && !in_b_not_a);
        let rel = relations(&[a.clone(), b.clone()]);
        prop_assert_eq!(rel.is_subset(0, 1), !in_a_not_b);
        prop_assert_eq!(rel.is_subset(1, 0), !in_b_not_a);
        prop_assert_eq!(rel.is_disjoint(0, 1), !in_both);
    }

    #[test]
    fn minimal_conflict_is_empty_and_irreducible(
        positive in prop::collection::vec(glob(), 1..=3),
        negative in prop::collection::vec(glob(), 0..=2),
    ) {
        let (pos, neg) = (refs(&positive), refs(&negative));
        let conflict = minimal_conflict(&pos, &neg);
        prop_assert_eq!(conflict.is_some(), witness(&pos, &neg) == Witness::Empty);
        if let Some((p, n)) = conflict {
            let pick = |ix: &[usize], from: &[&Glob]| -> Vec<Glob> {
                ix.iter().map(|&i| from[i].clone()).collect()
            };
            let (core_pos, core_neg) = (pick(&p, &pos), pick(&n, &neg));
            prop_assert_eq!(witness(&refs(&core_pos), &refs(&core_neg)), Witness::Empty);
            for drop in 0..core_pos.len() {
                let mut fewer = core_pos.clone();
                fewer.remove(drop);
                prop_assert!(matches!(witness(&refs(&fewer), &refs(&core_neg)), Witness::Found(_)));
            }
            for drop in 0..core_neg.len() {
                let mut fewer = core_neg.clone();
                fewer.remove(drop);
                prop_assert!(matches!(witness(&refs(&core_pos), &refs(&fewer)), Witness::Found(_)));
            }
        }
    }
}
