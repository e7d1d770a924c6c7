"""careergate: the AI service layer of a career platform.

Three faces over one core: this library, an OpenAI-compatible HTTP gateway
(``careergate serve``) and an operator CLI (``careergate ...``).
"""

__version__ = "0.1.0"
