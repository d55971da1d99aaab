"""Generator quality on 10,000 generated digits, judged by the classifier (the model card's bar)."""
from __future__ import annotations

import numpy as np
import torch

from gan_core.models import Classifier, Generator
from precompute.record import classify

MIN_CLASS_SHARE = 0.04  # every class at least 4%: no mode collapse
MIN_MEAN_CONFIDENCE = 0.9


@torch.no_grad()
def generator_quality(G: Generator, C: Classifier, n: int = 10000, seed: int = 0) -> dict:
    z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(seed))
    was_training = G.training
    G.eval()
    try:
        device = next(G.parameters()).device
        images = torch.cat([G(z[i:i + 1000].to(device)).cpu() for i in range(0, n, 1000)])
    finally:
        G.train(was_training)
    probs = classify(C, images)
    labels = probs.argmax(1)
    share = np.bincount(labels, minlength=probs.shape[1]) / n
    confidence = float(probs.max(1).mean())
    return {"n": n, "class_share": [round(float(s), 4) for s in share], "min_class_share": float(share.min()),
            "mean_confidence": round(confidence, 4),
            "passes": bool(share.min() >= MIN_CLASS_SHARE and confidence >= MIN_MEAN_CONFIDENCE)}
