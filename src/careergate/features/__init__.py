"""The platform's AI features (skill inference first), each with a non-AI fallback that
answers, more plainly, when no model can."""
