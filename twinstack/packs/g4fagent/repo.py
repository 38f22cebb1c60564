"""The git repository in each project's workspace, through dulwich (pure Python: no ``git`` binary needed).

A new project's folder becomes a repository on branch ``main`` with no commit
yet (so ``last_commit`` starts ``""`` as upstream's does); a project whose
``repo.url`` is a local path or ``file://`` URL is cloned from it instead, and
that clone's ``origin`` is the upstream ``repo/pull`` fast-forwards from and
``ahead``/``behind`` count against. Nothing here touches the network.

Errors are the API's: 400 ``repo_not_available`` (the folder is no
repository), ``git_checkout_failed``, ``git_pull_failed``,
``git_commit_failed``, with dulwich's message.

dulwich is imported by the functions that use it, on the first request that
touches a repository: loading it with the pack costs the start about 65 ms.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from twinstack.packs.g4fagent.errors import BAD_INPUT_STATUS, ApiError
from twinstack.packs.g4fagent.workspace import Workspace

if TYPE_CHECKING:
    from dulwich.repo import Repo

BRANCH = "main"
MAX_WALK = 10_000
"""Commits walked at most when counting ahead/behind."""
REMOTE = "origin"


def failed(code: str, message: str) -> ApiError:
    return ApiError(BAD_INPUT_STATUS, code, message)


@contextmanager
def opened(ws: Workspace) -> Iterator[Repo]:
    """The workspace's repository, closed afterwards; 400 ``repo_not_available`` when there is none."""
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo

    try:
        repo = Repo(str(ws.root))
    except (NotGitRepository, FileNotFoundError) as exc:
        raise failed("repo_not_available", "Project folder is not a git repository.") from exc
    try:
        yield repo
    finally:
        repo.close()


def local_source(url: str) -> Path | None:
    """The folder a ``repo.url`` names when it is a local path or ``file://`` URL; None for anything else."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "" and url.startswith("/"):
        return Path(url)
    return None


def _is_repository(source: Path) -> bool:
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo

    try:
        Repo(str(source)).close()
    except (NotGitRepository, OSError):
        return False
    return True


def create(ws: Workspace, url: str = "") -> None:
    """Make the workspace a repository: a clone of ``url`` when it names a local repository, else an empty
    one on ``main`` (upstream keeps any ``repo`` object as given, so another URL is only recorded)."""
    from dulwich import porcelain
    from dulwich.refs import Ref

    source = local_source(url)
    if source is not None and _is_repository(source):
        ws.root.parent.mkdir(parents=True, exist_ok=True)
        porcelain.clone(str(source), str(ws.root), checkout=True, errstream=io.BytesIO()).close()
        return
    ws.create()
    repo = porcelain.init(str(ws.root))
    try:
        repo.refs.set_symbolic_ref(Ref(b"HEAD"), Ref(f"refs/heads/{BRANCH}".encode()))
    finally:
        repo.close()


def head(ws: Workspace) -> str:
    """HEAD's commit hash, or ``""`` before the first commit (or without a repository)."""
    try:
        with opened(ws) as repo:
            return _head(repo)
    except ApiError:
        return ""


def _head(repo: Repo) -> str:
    try:
        return repo.head().decode()
    except KeyError:
        return ""


def resolve(ws: Workspace, rev: str) -> str | None:
    """The commit hash ``rev`` (a branch, tag, ``HEAD`` or hash) names, or None."""
    from dulwich.objectspec import parse_commit

    try:
        with opened(ws) as repo:
            return parse_commit(repo, rev.encode()).id.decode()
    except (ApiError, KeyError, ValueError):
        return None


def _branch(repo: Repo) -> str:
    from dulwich import porcelain

    try:
        return porcelain.active_branch(repo).decode()
    except (KeyError, IndexError, ValueError):
        return "HEAD"  # detached


def _text(path: bytes | str) -> str:
    return path.decode("utf-8", "replace") if isinstance(path, bytes) else str(path)


def status(ws: Workspace) -> dict[str, Any]:
    """``{branch, dirty, ahead, behind, changes:[{path, status}]}`` of the working tree."""
    from dulwich import porcelain

    with opened(ws) as repo:
        found = porcelain.status(repo, untracked_files="all")
        changes: dict[str, str] = {}
        for kind, label in (("add", "added"), ("delete", "deleted"), ("modify", "modified")):
            for path in found.staged.get(kind, []):
                changes.setdefault(_text(path), label)
        for path in found.unstaged:
            name = _text(path)
            changes.setdefault(name, "modified" if (ws.root / name).exists() else "deleted")
        for path in found.untracked:
            changes.setdefault(_text(path), "untracked")
        branch = _branch(repo)
        ahead, behind = _ahead_behind(repo, branch)
    return {"branch": branch, "dirty": bool(changes), "ahead": ahead, "behind": behind,
            "changes": [{"path": path, "status": changes[path]} for path in sorted(changes)]}


def _upstream(repo: Repo, branch: str) -> bytes | None:
    """The commit of the branch's upstream (``branch.<name>.merge`` of its remote, else ``origin/<name>``)."""
    from dulwich.refs import Ref

    config = repo.get_config()
    remote, merge = REMOTE.encode(), f"refs/heads/{branch}".encode()
    try:
        remote = config.get((b"branch", branch.encode()), b"remote")
        merge = config.get((b"branch", branch.encode()), b"merge")
    except KeyError:
        pass
    ref = Ref(b"refs/remotes/" + remote + b"/" + merge.removeprefix(b"refs/heads/"))
    return repo.refs[ref] if ref in repo.refs else None


def _count(repo: Repo, include: bytes, exclude: bytes) -> int:
    from dulwich.objects import ObjectID

    walker = repo.get_walker(include=[ObjectID(include)], exclude=[ObjectID(exclude)], max_entries=MAX_WALK)
    return len(list(walker))


def _ahead_behind(repo: Repo, branch: str) -> tuple[int, int]:
    local = _head(repo).encode()
    upstream = _upstream(repo, branch) if branch != "HEAD" else None
    if not local or upstream is None:
        return 0, 0
    return _count(repo, local, upstream), _count(repo, upstream, local)


def commit(ws: Workspace, message: str, paths: list[str] | None, author: str, when: float) -> str:
    """Stage ``paths`` (each through the path guard) or everything, deletions included, and commit."""
    from dulwich import porcelain
    from dulwich.objects import Commit, ObjectID

    with opened(ws) as repo:
        if paths:
            staged = [str(ws.resolve(path)) for path in paths]
            porcelain.add(repo, paths=staged)
        else:
            porcelain.add(repo)
        tree = repo.open_index().commit(repo.object_store)
        current = _head(repo)
        parent = repo[ObjectID(current.encode())] if current else None
        parent_tree = parent.tree if isinstance(parent, Commit) else None
        if tree == parent_tree or (parent_tree is None and not list(repo.open_index())):
            raise failed("git_commit_failed", "nothing to commit, working tree clean")
        who = author.encode()
        made = porcelain.commit(repo, message.encode(), author=who, committer=who, author_timestamp=when,
                                commit_timestamp=when, author_timezone=0, commit_timezone=0)
        return made.decode()


def checkout(ws: Workspace, branch: str) -> None:
    """Switch to an existing branch (a local one, or one ``origin`` has); local changes in the way are refused."""
    from dulwich import porcelain
    from dulwich.refs import Ref, check_ref_format

    with opened(ws) as repo:
        if not check_ref_format(Ref(f"refs/heads/{branch}".encode())):
            raise failed("git_checkout_failed", f"fatal: '{branch}' is not a valid branch name")
        local = Ref(f"refs/heads/{branch}".encode())
        remote = Ref(f"refs/remotes/{REMOTE}/{branch}".encode())
        if local not in repo.refs:
            if remote not in repo.refs:
                raise failed("git_checkout_failed",
                             f"error: pathspec '{branch}' did not match any file(s) known to git")
            repo.refs[local] = repo.refs[remote]
        try:
            porcelain.checkout(repo, branch)
        except Exception as exc:  # dulwich's CheckoutError and friends: git's own refusal, in its words
            raise failed("git_checkout_failed", str(exc) or "checkout failed") from exc


def pull(ws: Workspace) -> None:
    """Fast-forward the current branch from ``origin``; no upstream or a diverged history is refused."""
    from dulwich import porcelain

    with opened(ws) as repo:
        config = repo.get_config()
        if (b"remote", REMOTE.encode()) not in config.sections():
            raise failed("git_pull_failed", "There is no tracking information for the current branch.")
        branch = _branch(repo)
        sink = io.BytesIO()
        try:
            porcelain.fetch(repo, REMOTE, errstream=sink, outstream=io.StringIO())
            upstream = _upstream(repo, branch)
            if upstream is None:
                raise failed("git_pull_failed", "There is no tracking information for the current branch.")
            porcelain.pull(repo, REMOTE, refspecs=[f"refs/heads/{branch}".encode()], ff_only=True,
                           errstream=sink, outstream=io.BytesIO())
        except ApiError:
            raise
        except Exception as exc:  # diverged, unreachable remote, local changes in the way
            raise failed("git_pull_failed", str(exc) or "pull failed") from exc
