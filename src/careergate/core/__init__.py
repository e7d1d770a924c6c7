"""The request path every call takes, over HTTP or in-process."""

from careergate.core.call import Call, Incoming, Reply, StreamReply
from careergate.core.gateway import Gateway

__all__ = ["Call", "Gateway", "Incoming", "Reply", "StreamReply"]
