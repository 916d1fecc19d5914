import os
import sys

# Lambda puts the task root first on sys.path; the tests do the same.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
