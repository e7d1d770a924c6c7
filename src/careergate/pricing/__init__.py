"""What tokens cost: a versioned price catalogue per model snapshot."""

from careergate.pricing.catalogue import ModelPrice, PriceCatalogue

__all__ = ["ModelPrice", "PriceCatalogue"]
