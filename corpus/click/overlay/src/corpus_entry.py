"""A one-command Click CLI, as its users write one."""
import click


@click.command()
@click.option("--name", default="corpus")
def main(name):
    click.echo(f"Hello {name}!")
