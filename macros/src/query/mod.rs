//! `query!` front end: the user's tokens → AST → a resolved [`crate::plan::Plan`].

pub mod ast;
pub mod parse;
pub mod resolve;
