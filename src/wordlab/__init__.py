"""wordlab."""
