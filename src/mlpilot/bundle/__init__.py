"""The saved model: manifest.json + payload files, atomic write, hash-verified load."""
