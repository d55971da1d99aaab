"""Offline precompute: train, record activations, embed, write the cache the app serves."""
