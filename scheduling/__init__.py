"""Calendar logic for conference scheduling; knows nothing of Flask."""
