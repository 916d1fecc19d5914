"""What a program using Jinja2 does first: import it and render a template."""
import jinja2


def main(name="corpus"):
    env = jinja2.Environment(loader=jinja2.DictLoader({"hello.txt": "Hello {{ name }}!"}), autoescape=True)
    return env.get_template("hello.txt").render(name=name)
