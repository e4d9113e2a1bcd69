"""How the owner opens the dashboard, and the read-only share links of a site.

The owner key is the deployment's secret (Secrets Manager; a local stack keeps it in its
data dir). It is printed for the owner to paste into the dashboard's sign-in form, never
put into a URL: a URL ends up in logs and in the browser's history. A share link does carry
its token, after `#`, which browsers never send to a server; it shows one site, read-only,
until it is revoked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from admin.targets import USAGE, AdminError, Tables
from local_stack import state
from viewcount.sites import Site
from viewcount.tables.access import AccessTable, ShareLink
from viewcount.use_cases.dashboard_access import DashboardAccess
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import ACCESS, owner_key_secret_name

MAX_LABEL = 100


@dataclass(frozen=True)
class DashboardAddress:
    url: str
    key: str

    def describe(self) -> str:
        return "\n".join(
            [
                f"Dashboard: {self.url}",
                f"Key: {self.key}",
                "Open the dashboard and paste the key into its sign-in form. Treat the key as a password: it is not "
                "put in the URL, so that no log and no browser history holds it. Share a site read-only with "
                "./admin.sh share-link create instead of sharing the key.",
            ]
        )


def local_url(data_dir: Path) -> str | None:
    return state.dashboard_url(data_dir)


def local_address(data_dir: Path) -> DashboardAddress:
    key = state.owner_key(data_dir)
    url = local_url(data_dir)
    if key is None or url is None:
        raise AdminError(f"no dashboard in {data_dir}: start the local stack there first (./run_local.sh)")
    return DashboardAddress(url, key)


def deployed_url(namespace: str) -> str:
    """The stack's DashboardUrl output, with the caller's credentials."""
    import boto3
    from botocore.exceptions import ClientError

    stack = f"Viewcount-{namespace}"
    try:
        outputs = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    except ClientError as error:
        raise AdminError(f"cannot read the stack {stack}: {error}") from None
    url = next((output["OutputValue"] for output in outputs if output["OutputKey"] == "DashboardUrl"), None)
    if url is None:
        raise AdminError(f"the stack {stack} has no DashboardUrl output: deploy this version first (./deploy.sh)")
    return url


def deployed_address(config: DeploymentConfig) -> DashboardAddress:
    """The dashboard's address and the owner key's secret, with the caller's credentials."""
    import boto3
    from botocore.exceptions import ClientError

    url = deployed_url(config.namespace)
    secret = owner_key_secret_name(config)
    try:
        key = boto3.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
    except ClientError as error:
        raise AdminError(f"cannot read the owner key's secret {secret}: {error}") from None
    return DashboardAddress(url, key)


def _sharing(tables: Tables) -> DashboardAccess:
    # Share links need no owner key: only the API checks keys.
    return DashboardAccess(AccessTable(tables.dynamodb, tables.name(ACCESS)), "", tables.sites)


def create_share_link(tables: Tables, site: Site, label: str, dashboard_url: str | None) -> str:
    if len(label) > MAX_LABEL:
        raise AdminError(f"--label is {len(label)} characters; at most {MAX_LABEL}", USAGE)
    token, link = _sharing(tables).share(site, label, int(time.time()))
    # A local stack that has never run says nothing of its address: the link still works once it does.
    target = f"{(dashboard_url or '<the dashboard URL>').rstrip('/')}/#share={token}"
    return "\n".join(
        [
            f"Link: {target}",
            f"Id: {link.id} (revoke it with ./admin.sh share-link revoke {link.id} --site {site.id} ...)",
            f"Anyone with the link sees {site.id}'s stats, read-only. The token is shown once: only its hash is kept.",
        ]
    )


def list_share_links(tables: Tables, site: Site) -> str:
    links = _sharing(tables).access.shares(site.id)
    if not links:
        return f"No share links of {site.id}."
    lines = [f"Share links of {site.id}:", f"{'id':<12}  {'created (UTC)':<16}  label"]
    for link in links:
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(link.created_at))
        lines.append(f"{link.id:<12}  {created:<16}  {link.label}")
    return "\n".join(lines)


def revoke_share_link(tables: Tables, site: Site, token_or_id: str) -> ShareLink:
    link = _sharing(tables).revoke(site, token_or_id)
    if link is None:
        raise AdminError(f"no share link {token_or_id!r} of {site.id} (./admin.sh share-link list shows them)")
    return link
