//! The core's error, and panics, as JavaScript `Error`s.
//!
//! The `Error` is built in JavaScript (a small inline snippet) so that it is a genuine `Error`
//! with a stack, whose `name` is `CohorteError` and whose `code` is the core's stable code.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "
export function cohorteError(code, message, problems) {
  const e = new Error(message);
  e.name = 'CohorteError';
  e.code = code;
  if (problems !== undefined) e.problems = problems;
  return e;
}
export function throwValue(v) { throw v; }
")]
extern "C" {
    #[wasm_bindgen(js_name = cohorteError)]
    fn cohorte_error(code: &str, message: &str, problems: JsValue) -> JsValue;
    #[wasm_bindgen(js_name = throwValue)]
    fn throw_value(value: JsValue);
}

/// A `CohorteError` with this code and message.
pub(crate) fn error(code: &str, message: &str) -> JsValue {
    cohorte_error(code, message, JsValue::UNDEFINED)
}

/// The core's error as a `CohorteError`; an invalid definition also carries its problems.
pub(crate) fn to_js(err: cohorte_core::Error) -> JsValue {
    let problems = match &err {
        cohorte_core::Error::Definition(problems) => {
            crate::convert::to_js(problems).unwrap_or(JsValue::UNDEFINED)
        }
        _ => JsValue::UNDEFINED,
    };
    cohorte_error(err.code(), &err.to_string(), problems)
}

/// Report panics: log the message with the stack (console.error), then throw a `CohorteError`
/// with code `panic`, so the caller sees what failed rather than `RuntimeError: unreachable`.
/// The module is built with `panic = "abort"`, so after a panic the worker should be restarted.
pub(crate) fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        throw_value(error("panic", &format!("internal error (a bug): {info}")));
    }));
}
