"""The ``remit`` command line: a thin layer over the Python API, one module per command group.

Exit codes: 0 success; 2 bad input (a file, a table, an argument), with a message naming the
file, line or row, field and what was expected — and nothing written.
"""

from __future__ import annotations

import click

from remit.cli.admit import admit
from remit.cli.cases import cases
from remit.cli.check import check
from remit.cli.common import RemitGroup
from remit.cli.dispute import dispute
from remit.cli.init import init
from remit.cli.registry import registry
from remit.cli.replay import replay
from remit.cli.route import route, route_batch
from remit.cli.rules import rules
from remit.cli.schema import schema
from remit.cli.serve import serve
from remit.cli.users import users
from remit.cli.worker import worker


@click.group(cls=RemitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="remit")
def main() -> None:
    """remit — city responsibility lists (权责清单 / 街镇履职事项清单) as a versioned registry.

    Keep the lists, publish versions, and read what is in force on a date.
    """


for _command in (
    init,
    registry,
    schema,
    route,
    route_batch,
    replay,
    dispute,
    check,
    admit,
    rules,
    serve,
    users,
    cases,
    worker,
):
    main.add_command(_command)

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    main()
