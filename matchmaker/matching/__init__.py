"""The matching engine: plain Python and scikit-learn, no Flask, no database."""
