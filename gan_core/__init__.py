"""Shared library of the GAN Layer Atlas.

Importing this package imports no torch: `gan_core.models` and `gan_core.capture`
need torch (precompute only); `gan_core.data`, `gan_core.layers` and `gan_core.cache`
are numpy-only so the dashboard can serve without torch.
"""
