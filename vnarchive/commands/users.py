"""``vnarchive users``: the admin accounts of the web app (argon2-hashed passwords)."""

from __future__ import annotations

import sys

import click

from vnarchive.commands.scheduler import open_admin, print_table, when


@click.group()
def users() -> None:
    """Add, list or remove admin users (who may log in to /admin)."""


def _read_password(password_stdin: bool, name: str) -> str:
    from search_app.admin.auth import check_new_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_new_password(password, name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    return password


@users.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (scripts).")
@click.option("--replace", is_flag=True, help="Set a new password for an existing user.")
def users_add(name: str, password_stdin: bool, replace: bool) -> None:
    """Add admin user NAME; asks for the password twice (hidden).

    The password must have 8 to 1,024 characters and not be a common one.  With
    --replace, the new password ends every session the user had.
    """
    from indexer.store.errors import AdminStoreError
    from search_app.admin.auth import hash_password

    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise click.ClickException("a user name is 1–64 characters without spaces")
    admin = open_admin()
    existed = admin.get_user(name) is not None
    if existed and not replace:
        raise click.ClickException(f"user {name!r} already exists (use --replace)")
    password = _read_password(password_stdin, name)
    try:
        admin.add_user(name, hash_password(password), replace=replace)
    except AdminStoreError as exc:
        raise click.ClickException(str(exc)) from None
    if replace and existed:
        click.echo(f"user {name} updated; every session of {name} was ended (log in again)")
    else:
        click.echo(f"user {name} added")


@users.command("list")
def users_list() -> None:
    """Every admin user."""
    rows = [[u["name"], when(u["created_at"])] for u in open_admin().list_users()]
    if not rows:
        click.echo("no admin users (add one with `vnarchive users add NAME`)")
        return
    print_table(["name", "created"], rows)


@users.command("remove")
@click.argument("name")
def users_remove(name: str) -> None:
    """Remove admin user NAME (ends its sessions)."""
    if not open_admin().remove_user(name):
        raise click.ClickException(f"no user {name!r}")
    click.echo(f"user {name} removed")
