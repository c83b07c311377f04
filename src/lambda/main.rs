//! `keyaki-lambda`: the EventBridge → CloudTrail → findings handler as an AWS Lambda function
//! (build with `--features lambda`). Configuration comes from the environment; see
//! [`keyaki::events::lambda::Handler::from_env`].
#![forbid(unsafe_code)]

use keyaki::events::lambda::Handler;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::sync::{Arc, Mutex};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // One handler per container: the checker's caches survive warm invocations.
    let handler = Arc::new(Mutex::new(Handler::from_env()?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let handler = handler.clone();
        async move {
            let mut guard = handler.lock().map_err(|e| Error::from(e.to_string()))?;
            guard.handle(event.payload).map_err(Error::from)
        }
    }))
    .await
}
