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
from smoke.deployments import AwsDeployment, Deployment, DeploymentError, LocalDeployment
from viewcount.sites import Site
from viewcount.tables.access import AccessTable, ShareLink
from viewcount.use_cases.dashboard_access import revoke_link, share_link
from viewcount_infra.config import DeploymentConfig
from viewcount_infra.topology import ACCESS

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
    """Where the local stack of that data dir serves (or last served) its dashboard."""
    try:
        return LocalDeployment(data_dir).dashboard_url()
    except DeploymentError:
        return None


def local_address(data_dir: Path) -> DashboardAddress:
    return _address(LocalDeployment(data_dir))


def deployed_url(namespace: str) -> str:
    """The stack's DashboardUrl output, with the caller's credentials."""
    try:
        return AwsDeployment(namespace).dashboard_url()
    except DeploymentError as error:
        raise AdminError(str(error)) from None


def deployed_address(config: DeploymentConfig) -> DashboardAddress:
    """The dashboard's address and the owner key's secret, with the caller's credentials."""
    return _address(AwsDeployment(config.namespace))


def _address(deployment: Deployment) -> DashboardAddress:
    try:
        return DashboardAddress(deployment.dashboard_url(), deployment.owner_key())
    except DeploymentError as error:
        raise AdminError(str(error)) from None


def _access(tables: Tables) -> AccessTable:
    return AccessTable(tables.dynamodb, tables.name(ACCESS))


def create_share_link(tables: Tables, site: Site, label: str, dashboard_url: str | None) -> str:
    if len(label) > MAX_LABEL:
        raise AdminError(f"--label is {len(label)} characters; at most {MAX_LABEL}", USAGE)
    token, link = share_link(_access(tables), site, label, int(time.time()))
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
    links = _access(tables).shares(site.id)
    if not links:
        return f"No share links of {site.id}."
    lines = [f"Share links of {site.id}:", f"{'id':<12}  {'created (UTC)':<16}  label"]
    for link in links:
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(link.created_at))
        lines.append(f"{link.id:<12}  {created:<16}  {link.label}")
    return "\n".join(lines)


def revoke_share_link(tables: Tables, site: Site, token_or_id: str) -> ShareLink:
    link = revoke_link(_access(tables), site, token_or_id)
    if link is None:
        raise AdminError(f"no share link {token_or_id!r} of {site.id} (./admin.sh share-link list shows them)")
    return link
