//! Text rendering of a plan.
