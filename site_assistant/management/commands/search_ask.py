"""``manage.py search_ask "question" [-k N] [--host HOST]``: ask the index from the shell."""

from django.core.management.base import BaseCommand, CommandError

from site_assistant import conf, language, services


class Command(BaseCommand):
    help = (
        "Print the passages that best answer a question, with scores and the links visitors follow."
    )

    def add_arguments(self, parser):
        parser.add_argument("question", help="The question, in quotes.")
        parser.add_argument("-k", type=int, default=None, help="How many passages (default 5).")
        parser.add_argument(
            "--host",
            default="",
            help="Answer as a visitor on this host (several Wagtail sites; default: the default site).",
        )

    def handle(self, *args, question, k=None, host="", **options):
        try:
            k = k if k is not None else conf.get("DEFAULT_K")
            services.ensure_model_export()  # a command may wait for it; a web process may not
            result = services.answer(question, k, host=host)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        except services.IndexNotReady as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.query!r} — index {result.index_version}, model {result.model_id}, "
            f"{result.took_ms:.1f} ms"
        )
        searched = result.corrected or result.query
        read = services.model_text(searched) if not (result.reply or result.language) else searched
        if result.corrected:
            self.stdout.write(f"Searched for “{result.corrected}” (typos fixed).")
        if read != searched:
            self.stdout.write(f"The model read it without the site's name: “{read}”.")
        if result.reply:
            self.stdout.write(
                f"Small talk: visitors get “{result.reply}” (not searched, not logged)."
            )
        elif result.language:
            self.stdout.write(
                f"Another language ({language.name(result.language)}): visitors get "
                f"“{conf.other_language_reply(result.language)['message']}” and the contact link."
            )
        elif result.answer is None:
            self.stdout.write(
                f"No passage reaches the minimum score ({services.min_score()}); closest:"
            )
        else:
            self.stdout.write(
                f"Answered: the first passage reaches the minimum score ({services.min_score()})."
            )
        for rank, hit in enumerate(result.results, 1):
            # The link a visitor follows ("Read more": a later piece of a long section
            # lands on its own first words), then the section it belongs to.
            where = hit.heading or hit.title
            if hit.read_more != hit.link:
                where += f"; a later piece of {hit.link}"
            self.stdout.write(f"{rank}. [{hit.score:.3f}] {hit.read_more}  ({where})")
            self.stdout.write(f"   {hit.text}")
