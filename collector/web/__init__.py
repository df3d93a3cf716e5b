"""Web pages for people who do not use a CLI: technicians in the field (My work, the PM
visit, the asset page, QR labels) and liaisons in the districts (their district's page),
signed in with a local account or the city's directory. Server-rendered Jinja2 pages;
every form works without JavaScript and every file is served by the collector."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="web",
    summary="Web pages for technicians and liaisons, and their accounts",
    panel="Service",
    config="web",
    routers=("muniops.collector.web.routes:router",
             "muniops.collector.web.asset_routes:router",
             "muniops.collector.web.account_routes:router"),
    commands=(Command("accounts", "muniops.collector.web.cli:app",
                      "Web accounts: who may sign in to the web pages, with which role."),),
)
