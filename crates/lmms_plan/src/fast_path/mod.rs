//! `fast_path.py` (DEC-04): generated from the plan, checked against it.
