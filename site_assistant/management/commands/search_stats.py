"""``manage.py search_stats``: the live index and the last builds, and first what is
wrong, a line each with what to do: the index last built that cannot be served
(``services.index_problem``), the served model's damaged files (``dashboard.model_damage``)."""

from django.core.management.base import BaseCommand, CommandError

from site_assistant import dashboard, embed, services
from site_assistant.models import IndexBuild, Page, Passage

# How many pages without a passage the tables line names.
_NAMED = 3


def _tables() -> str:
    """ "Tables: 7 pages read (1 with no passage: /danke/), 40 passages": the pages the
    last build read, some of which may have nothing to search (a page that is only a
    form), so more than a build's "pages with passages"."""
    pages, passages = Page.objects.count(), Passage.objects.count()
    empty = Page.objects.filter(passages__isnull=True)
    count = empty.count()
    if not count:
        return f"Tables: {pages} pages read, {passages} passages"
    named = ", ".join(empty.values_list("url", flat=True)[:_NAMED])
    more = ", …" if count > _NAMED else ""
    return (
        f"Tables: {pages} pages read ({count} with no passage: {named}{more}), {passages} passages"
    )


class Command(BaseCommand):
    help = "Show the live search index (version, model, counts) and the last builds."

    def add_arguments(self, parser):
        parser.add_argument("--builds", type=int, default=5, help="How many recent builds to list.")

    def handle(self, *args, builds=5, **options):
        if builds < 0:  # as search_purge_log's --days: a slip of the hand says so
            raise CommandError("--builds must be 0 or more.")
        status = services.index_status()
        problem = services.index_problem()
        if status:
            self.stdout.write(
                f"Index {status['version']}: model {status['model_id']}, "
                f"{status['count']} passages, {status['dim']} dimensions, created {status['created']}"
            )
        elif not problem:
            self.stdout.write(services.no_index_yet())
        if problem:
            served = "answers from the older index above" if status else "“still reading the site”"
            fix = "" if "search_rebuild" in problem else " Run manage.py search_rebuild --sync."
            self.stdout.write(
                self.style.ERROR(
                    f"Problem: the index last built cannot be served ({problem}); "
                    f"visitors get {served}.{fix}"
                )
            )
        for file in dashboard.model_damage():
            self.stdout.write(
                self.style.ERROR(
                    f"Problem: model file {file['on_disk']}: {file['effect']}. "
                    f"To fix: {file['fix']}."
                )
            )
        self.stdout.write(
            f"Active model for the next build: {embed.model_id()} ({embed.active_model_ref()})"
        )
        self.stdout.write(_tables())
        recent = list(IndexBuild.objects.order_by("-created")[: max(0, builds)])
        if recent:
            self.stdout.write("Last builds:")
        for build in recent:
            line = f"  #{build.pk} {build.status:<9} {build.trigger:<8} {build.created:%Y-%m-%d %H:%M:%S}"
            if build.status == IndexBuild.Status.SUCCEEDED:
                line += (
                    f"  {build.duration.total_seconds():.1f} s, {build.pages} pages with passages, "
                    f"{build.passages} passages ({build.embedded} embedded, {build.reused} reused, "
                    f"{build.removed} removed)"
                )
            elif build.status == IndexBuild.Status.COALESCED:
                line += f"  into #{build.coalesced_into_id}"
            elif build.status == IndexBuild.Status.FAILED:
                line += f"  {build.error.splitlines()[0] if build.error else ''}"
            elif build.status == IndexBuild.Status.RUNNING:
                line += f"  {build.progress}% {build.stage}"
            self.stdout.write(line)
