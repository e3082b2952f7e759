"""What git knows about a workspace, through the `git` command (never by reading `.git`): the
commit as of a date, a past version's files, and when each line was last changed.

Every function answers None (or raises `WorkspaceError` where a command needs git) when git is
missing or the folder is not in a repository, so git's absence changes nothing elsewhere.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from beliefs.errors import Problem, WorkspaceError
from beliefs.inputs.evidence import EVIDENCE_DIR
from beliefs.inputs.indicators import INDICATORS_FILE
from beliefs.inputs.scenario_file import SCENARIO_FILE

TIMEOUT = 60
NOT_COMMITTED = "0" * 40  # git blame's commit for lines changed in the working tree
WORKSPACE_FILES = (SCENARIO_FILE, EVIDENCE_DIR, INDICATORS_FILE)  # what a version of a workspace consists of


@dataclass(frozen=True)
class Repository:
    """A workspace inside a git repository: the repository's top folder and the workspace's
    path inside it ("" at the top, else ending in "/")."""

    top: Path
    prefix: str
    known: dict = field(default_factory=dict, compare=False, repr=False)  # what one command found, asked once per object

    def run(self, *args: str, text: bool = True) -> subprocess.CompletedProcess:
        """A git command run at the top of the repository (output captured, never raising on its exit code)."""
        return subprocess.run(["git", "-C", str(self.top), *args], capture_output=True, text=text, timeout=TIMEOUT, check=False)


@dataclass(frozen=True)
class Commit:
    """A commit and its committer date (UTC)."""

    sha: str
    committed: dt.datetime

    @property
    def short(self) -> str:
        """The first 12 hex digits, as messages name it."""
        return self.sha[:12]


_SHARED: ContextVar[dict | None] = ContextVar("beliefs_git_shared", default=None)


@contextmanager
def shared_lookups() -> Iterator[None]:
    """Within the block, `repository` asks git once per folder and the workspaces of one repository
    share what git said of it (`added_once`, `commits`): scoring a portfolio of questions in one
    repository asks git a few times per repository, not per question. Outside it every call asks
    afresh, since a repository may change between commands."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def repository(root: Path) -> Repository | None:
    """The repository holding the folder `root`, or None (not in git, or git is not installed)."""
    shared = _SHARED.get()
    if shared is None:
        return _repository(root)
    folder = Path(root).resolve()
    key = ("folder", str(folder))
    if key not in shared:
        found = _below_known(shared, folder) or _repository(root)
        shared[key] = found if found is None else Repository(found.top, found.prefix, shared.setdefault(("known", str(found.top)), {}))
    return shared[key]


def _below_known(shared: dict, folder: Path) -> Repository | None:
    """The repository of `folder` without asking git, when it lies below the top of one already found
    and no `.git` (a nested repository, a submodule) stands between them."""
    for kind, top in list(shared):
        if kind != "known" or not folder.is_relative_to(top):
            continue
        between = [folder, *folder.parents][:len(folder.relative_to(top).parts)]
        if not any((part / ".git").exists() for part in between):
            relative = folder.relative_to(top).as_posix()
            return Repository(Path(top), "" if relative == "." else relative + "/")
    return None


def _repository(root: Path) -> Repository | None:
    try:
        found = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel", "--show-prefix"],
                               capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = found.stdout.splitlines()
    if found.returncode != 0 or not lines:
        return None
    return Repository(Path(lines[0]), lines[1] if len(lines) > 1 else "")


def require_repository(root: Path, what: str) -> Repository:
    """`repository(root)`, or a `WorkspaceError` saying that `what` needs the workspace under git."""
    repo = repository(root)
    if repo is None:
        raise WorkspaceError([Problem(root, f"is not in a git repository (or git is not installed): {what} reads the workspace's "
                                            "history from git; commit the workspace (`git init`, `git add`, `git commit`) first")])
    return repo


def commits(repo: Repository) -> list[Commit]:
    """Every commit reachable from HEAD, newest first by committer date (none before the first commit);
    asked once per repository object."""
    if "commits" not in repo.known:
        log = repo.run("log", "--format=%H %ct", "HEAD")
        found = [] if log.returncode != 0 else [Commit(sha, dt.datetime.fromtimestamp(int(seconds), dt.UTC))
                                                 for sha, seconds in (line.split() for line in log.stdout.splitlines())]
        repo.known["commits"] = sorted(found, key=lambda c: c.committed, reverse=True)
    return list(repo.known["commits"])


def commit_as_of(repo: Repository, date: dt.date, history: list[Commit] | None = None) -> Commit | None:
    """The last commit (by committer date) on or before the end of `date`, UTC, among `history`
    (default: `commits(repo)`); None if there is none."""
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), dt.UTC)
    return next((c for c in (commits(repo) if history is None else history) if c.committed < end), None)


def resolve(repo: Repository, rev: str, root: Path) -> Commit:
    """The commit that `rev` names (a hash, tag, branch or `HEAD~2`), or a `WorkspaceError`."""
    found = repo.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode != 0 or not found.stdout.strip():
        raise WorkspaceError([Problem(root, f"{rev!r} is not a commit of this repository; give a commit hash, a tag, a branch or e.g. HEAD~1")])
    sha = found.stdout.strip()
    seconds = repo.run("show", "-s", "--format=%ct", sha).stdout.strip()
    return Commit(sha, dt.datetime.fromtimestamp(int(seconds), dt.UTC))


def extract(repo: Repository, commit: Commit, destination: Path) -> bool:
    """Write the workspace's files as they were at `commit` into `destination` (created); False
    when the workspace's folder did not exist at that commit."""
    paths = [repo.prefix + name for name in WORKSPACE_FILES]  # not the rest of the repository
    listing = repo.run("ls-tree", "-r", "-z", "--full-tree", commit.sha, "--", *paths, text=False)
    if listing.returncode != 0:
        return False
    blobs = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        meta, name = entry.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):  # files; links and submodules are not a workspace's
            blobs.append((sha.decode(), name.decode("utf-8", "surrogateescape")))
    if not blobs:
        return False
    destination.mkdir(parents=True, exist_ok=True)
    batch = subprocess.run(["git", "-C", str(repo.top), "cat-file", "--batch"], input=b"".join(f"{sha}\n".encode() for sha, _ in blobs),
                           capture_output=True, timeout=TIMEOUT, check=True).stdout
    at = 0
    for _, name in blobs:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        path = destination / name[len(repo.prefix):]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(batch[header_end + 1: header_end + 1 + size])
        at = header_end + 1 + size + 1  # the content, then a newline
    return True


def added_once(repo: Repository) -> dict[str, dt.datetime]:
    """The repository's files that one commit added and nothing changed since (no later commit, no
    rename or deletion in that commit, no change in the working tree), with that commit's date: every line of such a file
    was last changed then, so `line_dates` needs no `git blame` for it. Two git commands per
    repository object, whatever the number of files; empty where a merge makes it unsure. Both
    cover the whole repository, so that every workspace in it can share them (`shared_lookups`)."""
    if "added_once" not in repo.known:
        log = repo.run("log", "--format=%x01%ct %P", "--name-status", "-z", "HEAD")  # the whole repository: renames into it show
        dirty = repo.run("status", "--porcelain", "-z", "--untracked-files=no")
        touched: dict[str, list] = {}
        merged = log.returncode != 0 or dirty.returncode != 0
        for record in log.stdout.split("\x01")[1:]:
            header, _, names = record.partition("\0")
            when, *parents = header.split()
            merged = merged or len(parents) > 1
            tokens = names.lstrip("\n").split("\0")
            entries, i = [], 0
            while i < len(tokens) and tokens[i]:
                count = 2 if tokens[i][:1] in "RC" else 1
                entries += [(tokens[i][:1], name) for name in tokens[i + 1:i + 1 + count]]
                i += 1 + count
            # blame may take a file added beside a deletion or rename for that file renamed
            moved = any(status in "DRC" for status, _ in entries)
            for status, name in entries:
                touched.setdefault(name, []).append(("moved" if moved else status, dt.datetime.fromtimestamp(int(when), dt.UTC)))
        changed = {entry[3:] for entry in dirty.stdout.split("\0") if len(entry) > 3}
        repo.known["added_once"] = {} if merged else {name: history[0][1] for name, history in touched.items()
                                                        if len(history) == 1 and history[0][0] == "A" and name not in changed}
    return repo.known["added_once"]


def line_dates(repo: Repository, path: Path) -> list[dt.datetime] | None:
    """When each line of the working-tree file `path` was last changed: its commit's committer
    date, or now for a line not committed yet; None when git cannot blame the file."""
    now = dt.datetime.now(dt.UTC)
    try:
        relative = path.resolve().relative_to(repo.top.resolve())
    except ValueError:
        return None
    once = added_once(repo).get(relative.as_posix())
    if once is not None and path.is_file():
        content = path.read_bytes()
        return [once] * (content.count(b"\n") + (0 if content.endswith(b"\n") or not content else 1))
    blame = repo.run("blame", "--porcelain", "--", str(relative))
    if blame.returncode != 0:
        tracked = repo.run("ls-files", "--error-unmatch", "--", str(relative)).returncode == 0
        return None if tracked or not path.is_file() else [now] * len(path.read_text(encoding="utf-8-sig", errors="replace").split("\n"))
    times: dict[str, dt.datetime] = {}
    lines: list[dt.datetime] = []
    current = None
    for line in blame.stdout.split("\n"):
        if line.startswith("\t"):
            lines.append(now if current == NOT_COMMITTED else times.get(current, now))
        elif line.startswith("committer-time "):
            times[current] = dt.datetime.fromtimestamp(int(line.split()[1]), dt.UTC)
        elif line and len(line.split()[0]) == 40 and all(c in "0123456789abcdef" for c in line.split()[0]):
            current = line.split()[0]
    return lines
