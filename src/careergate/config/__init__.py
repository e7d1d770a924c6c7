"""Where the gateway's upstream deployments come from: YAML config and environment."""

from careergate.config.deployments import DeploymentConfig, GatewayConfig, load_gateway_config

__all__ = ["DeploymentConfig", "GatewayConfig", "load_gateway_config"]
