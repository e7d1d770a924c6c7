"""The secret detector, judged on material it was not written from: credentials as their
issuers document them (positives) and ordinary error messages and résumé text
(negatives, which must raise no false alarm)."""

from __future__ import annotations

import pytest

from careergate.security.secrets import REDACTED, SecretScanner, find_secrets

# Examples from the issuers' own documentation, or built exactly to a documented format.
DOCUMENTED = {
    # AWS IAM user guide, "Managing access keys": the example key pair.
    "aws_access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "aws_secret_access_key": "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    # jwt.io's example token (HS256, "John Doe").
    "jwt": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
        "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    ),
    # RFC 7519, section 3.1: the example JWT.
    "jwt_rfc7519": (
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAs"
        "DQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFW"
        "FOEjXk"
    ),
    # GitHub, "Behind GitHub's new authentication token formats": prefix and 36 characters;
    # fine-grained tokens github_pat_, 22 characters, _, 59 characters.
    "github_classic": "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a",
    "github_fine_grained": "github_pat_" + "11ABCDEFG0123456789abc" + "_" + "x1Y2z3" * 9 + "abcde",
    "github_app": "ghs_" + "16C7e42F292c6912E7710c838347Ae178B4a",
    # GitLab's personal access token prefix (a revoked token quoted in a public report),
    # and the newer dotted form.
    "gitlab": "glpat-z_sxgtrfAxKr8q1TPY8Y",
    "gitlab_dotted": "glpat-AbCdEfGhIjKlMnOpQrSt12.01.171abcdef",
    # Slack's token documentation: a bot token, a user token.
    "slack_bot": "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
    "slack_user": "xoxp-23984754863-2348975623103",
    # Google Maps Platform documentation's example key.
    "google": "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    # Stripe API reference: the documented test secret key.
    "stripe": "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    # OpenAI project keys (sk-proj-, then random characters).
    "openai": "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z" * 2,
    # RFC 7468 section 10: a PKCS #8 private key (its body cut short).
    "private_key": (
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGEAgEAMBAGByqGSM49AgEGBSuBBAAKBG0wawIBAQQgVcB/UNPxalR9zDYAjQIf\n"
        "-----END PRIVATE KEY-----"
    ),
    "url_password": "postgresql://careergate:s3cr3t-Passw0rd@db.internal:5432/app",
    "bearer": "Authorization: Bearer 0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "azure_header": "api-key: 0f1e2d3c4b5a69788796a5b4c3d2e1f0",
}

SECRET_PARTS = {"url_password": "s3cr3t-Passw0rd", "private_key": "MIGEAgEAMBAGByqG"}

ORDINARY = [
    # Error messages OpenAI and compatible servers send.
    "This model's maximum context length is 128000 tokens. However, your messages resulted "
    "in 130412 tokens. Please reduce the length of the messages.",
    "The model `gpt-4o-mini-2024-07-18` does not exist or you do not have access to it.",
    "Rate limit reached for gpt-4o in organization org-AbC123dEf456 on tokens per min (TPM): "
    "Limit 30000, Used 29000, Requested 2000. Please try again in 2s. Visit "
    "https://platform.openai.com/account/rate-limits to learn more.",
    "Invalid 'messages[0].content': string too long. Expected a string with maximum length "
    "10485760, but got a string with length 10485761 instead.",
    "Incorrect API key provided: sk-abc12***************************************wxyz. You "
    "can find your API key at https://platform.openai.com/account/api-keys.",
    "Missing bearer or basic authentication in header",
    "Bearer authentication is required for this endpoint",
    "api-key: required",
    "Request req_123 (chatcmpl-9xYzAbC, file-abc123, ft:gpt-4o-mini:acme::9xYz) failed",
    "text-embedding-3-small and gpt-4o-2024-08-06 are served by deployment azure-eu",
    "Could not reach http://localhost:8080/v1?user=a@b.com or https://api.openai.com/v1",
    "sk-cg-AbCdEfGh (a listed key prefix)",
    # Résumé text.
    "Senior Data Engineer, 8 years with Python, AWS (S3, Lambda, Redshift) and Kubernetes. "
    "Led the migration of 40 microservices to GitHub Actions; built a Slack bot for on-call.",
    "Skills: task-based planning, risk-management, desk-research, Google Maps API, OAuth 2.0, "
    "JWT, password managers, AWS Key Management Service, AKIA-style key rotation policies.",
    "Highlights: reduced costs by 35%; 2019 - 2023 Berlin; ISBN 978-3-16-148410-0",
]


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_documented_credentials_are_found_and_scrubbed(name: str) -> None:
    text = f"upstream said: {DOCUMENTED[name]}."
    assert find_secrets(text), name
    scrubbed = SecretScanner().scrub(text)
    assert REDACTED in scrubbed
    # Nothing of the secret itself is left: at most a type prefix (sk-proj, Bearer, a
    # URL's user name) stays readable.
    assert SECRET_PARTS.get(name, DOCUMENTED[name][-12:]) not in scrubbed


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_raises_no_false_alarm(text: str) -> None:
    assert find_secrets(text) == []
    assert SecretScanner().scrub(text) == text


def test_known_values_without_a_shape_are_found_only_when_remembered() -> None:
    azure_key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    scanner = SecretScanner()
    text = f"key {azure_key} was refused"
    assert scanner.scrub(text) == text  # 32 hex digits alone are not a credential's shape
    scanner.remember(azure_key, "short")  # too short a value is never looked for
    assert scanner.scrub(text) == f"key {REDACTED} was refused"
    assert scanner.scrub("a short answer") == "a short answer"
    assert scanner.scrub(text.replace(azure_key, "x" * 20), known=["x" * 20]) == (
        f"key {REDACTED} was refused"
    )


def test_spans_say_what_and_where_and_overlapping_finds_become_one_marker() -> None:
    token = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
    text = f"Invalid header value: Bearer {token} (twice: {token})"
    spans = find_secrets(text)
    assert {span.kind for span in spans} == {"api_key", "bearer_token"}
    assert all(text[span.start : span.end] in token for span in spans)
    assert SecretScanner().scrub(text) == (
        f"Invalid header value: Bearer {REDACTED} (twice: sk-proj{REDACTED})"
    )


def test_a_private_key_cut_short_is_scrubbed_to_the_end() -> None:
    text = "config error near -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3"
    assert SecretScanner().scrub(text) == f"config error near {REDACTED}"
