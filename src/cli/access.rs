//! `keyaki access`, `check-no-public-access`, `check-access-not-granted` and `check --spec`.

use super::ProverArgs;
use crate::report::Exit;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct AccessArgs {
    pub policy: String,
    /// `account:111122223333` or `org:o-abc123`; repeat or separate with commas.
    #[arg(long, value_delimiter = ',', required = true)]
    pub trust_zone: Vec<String>,
    /// Findings a team reviewed and accepted (JSON); still listed, marked accepted.
    #[arg(long)]
    pub accept: Option<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

#[derive(clap::Args, Debug)]
pub struct NoPublicArgs {
    pub policy: String,
    /// e.g. AWS::S3::Bucket, AWS::KMS::Key, AWS::IAM::Role.
    #[arg(long)]
    pub resource_type: Option<String>,
    #[arg(long)]
    pub accept: Option<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

#[derive(clap::Args, Debug)]
pub struct NotGrantedArgs {
    pub policy: String,
    #[arg(long, value_delimiter = ',', required = true)]
    pub actions: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub resources: Vec<String>,
    #[command(flatten)]
    pub prover: ProverArgs,
}

pub fn run_access(_args: AccessArgs, _out: &mut dyn Write) -> Result<Exit, String> {
    Err("keyaki access is being built (issue 4)".into())
}

pub fn run_no_public(_args: NoPublicArgs, _out: &mut dyn Write) -> Result<Exit, String> {
    Err("keyaki check-no-public-access is being built (issue 4)".into())
}

pub fn run_not_granted(_args: NotGrantedArgs, _out: &mut dyn Write) -> Result<Exit, String> {
    Err("keyaki check-access-not-granted is being built (issue 4)".into())
}

pub fn run_spec_check(
    _proposed: &str,
    _spec: &str,
    _prover: &ProverArgs,
    _out: &mut dyn Write,
) -> Result<Exit, String> {
    Err("keyaki check --spec is being built (issue 4)".into())
}
