"""`./smoke.sh`: a short suite of checks against a live deployment, or the local stack.

- `smoke.deployments`: where the deployment's addresses, owner key and function logs are
  read: CloudFormation, Secrets Manager and CloudWatch Logs with the caller's credentials, or
  the local stack's data directory (`--data-dir`).
- `smoke.browser`: talking to it as a browser does: WebSockets and HTTP requests with a
  browser's User-Agent, every message sent and received counted.
- `smoke.suite`: the checks, each printed as one line, `ok`, `FAIL` or `later`.

Its views are of a page of their own (`/__smoke__/`), which the functions count in a site
that no configured site's numbers include (viewcount.sites). docs/smoke-test.md describes it.
"""
