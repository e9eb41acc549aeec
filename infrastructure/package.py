"""Build the Lambda artifact: a zip of the service and its locked dependencies for one target.

    python infrastructure/package.py [--arch arm64|x86_64] [--output dist/zoom-notifier.zip]

The target Python and default architecture come from infrastructure/template.yaml (the
functions' ``Runtime`` and the ``LambdaArchitecture`` default), the dependency versions from
uv.lock. Wheels are resolved for ``manylinux2014`` of that architecture and Python, never built
here; every module is compiled to ``.pyc`` by that Python with unchecked-hash invalidation,
since Lambda's code directory is read-only and a zip keeps only 2-second mtimes (measured on
these machines: importing the dependencies took about 1.45 s without compiled files and 0.5 s
with them). Of the service, exactly the modules the deployed handlers import (transitively,
found by :mod:`modulefinder`) are shipped: never the command line, the local emulator or the
stand-ins. Tests and caches of the dependencies stay out too.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import modulefinder
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

from zoom_notifier.domain.meeting_days import HOLIDAY_LANGUAGE
from zoom_notifier.services.aws import AWS_OPERATIONS, AWS_SERVICES

REPOSITORY = Path(__file__).resolve().parents[1]
TEMPLATE = REPOSITORY / "infrastructure" / "template.yaml"
SERVICE_PACKAGE = "zoom_notifier"

ZIP_LIMIT = 50 * 1024 * 1024
UNZIPPED_LIMIT = 250 * 1024 * 1024
PLATFORMS = {"arm64": "aarch64-manylinux2014", "x86_64": "x86_64-manylinux2014"}
# Fixed timestamps make the zip reproducible: same lock, same code, same bytes.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)
LAMBDA_TASK_ROOT = "/var/task"
_EXCLUDED_DIRS = {"__pycache__", "tests", "test"}


class PackagingError(Exception):
    """The artifact cannot be built; the message says why."""


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation's YAML: its ``!Ref``-style tags are kept as plain values."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    del suffix
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _tagged)


def read_template() -> dict[str, Any]:
    """The template, its CloudFormation tags kept as plain values."""
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(), Loader=_TemplateLoader)  # noqa: S506
    return loaded


def _functions() -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for resource in read_template()["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    ]


def template_target() -> tuple[str, str]:
    """(Python version, default architecture) the template deploys."""
    template = read_template()
    runtimes = {function["Runtime"] for function in _functions()}
    if len(runtimes) != 1:
        raise PackagingError(f"the functions disagree on their runtime: {sorted(runtimes)}")
    version = runtimes.pop().removeprefix("python")
    return version, str(template["Parameters"]["LambdaArchitecture"]["Default"])


def find_python(version: str) -> str:
    """An interpreter of ``version`` (e.g. "3.12"): on PATH, or installed by pyenv."""
    candidates = [shutil.which(f"python{version}")]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(  # noqa: S603 - an interpreter found above
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    raise PackagingError(
        f"no Python {version} found (needed to compile .pyc for the Lambda runtime); "
        f"install it, e.g. `pyenv install {version}`"
    )


def _uv() -> str:
    uv = shutil.which("uv") or str(REPOSITORY / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        raise PackagingError("uv not found: run `make setup` first")
    return uv


def _run(*command: str, environment: dict[str, str] | None = None) -> None:
    completed = subprocess.run(  # noqa: S603 - our own tools, found above
        command,
        capture_output=True,
        text=True,
        check=False,
        env=None if environment is None else os.environ | environment,
    )
    if completed.returncode != 0:
        raise PackagingError(f"{command[0]} {command[1]} failed:\n{completed.stderr.strip()}")


def handler_modules() -> list[str]:
    """The modules of the handlers the template deploys (``Handler: module.function``)."""
    return sorted({function["Handler"].rpartition(".")[0] for function in _functions()})


def service_files() -> list[Path]:
    """The service's source files the handlers import, directly or not, relative to the
    repository: exactly what the artifact ships of ``zoom_notifier``."""
    finder = modulefinder.ModuleFinder(path=[str(REPOSITORY)])
    for module in handler_modules():
        finder.import_hook(module)
    found = {name: getattr(module, "__file__", None) for name, module in finder.modules.items()}
    return sorted(
        Path(path).relative_to(REPOSITORY)
        for name, path in found.items()
        if name.split(".")[0] == SERVICE_PACKAGE and path
    )


def _copy_service(build: Path) -> None:
    for relative in service_files():
        target = build / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPOSITORY / relative, target)


def _prune(build: Path) -> None:
    """Drop what Lambda never reads: test suites, caches, the dependencies' own tests, and the
    models of every AWS service the handlers do not call (botocore carries some 400: about 14 MiB
    unzipped; boto3 a few resource models), and the API examples of those they do."""
    for path in sorted(build.rglob("*"), reverse=True):
        if path.is_dir() and path.name in {"__pycache__", "tests", "test"}:
            shutil.rmtree(path)
    for models in (build / "botocore" / "data", build / "boto3" / "data"):
        for service in models.iterdir() if models.is_dir() else ():
            if service.is_dir() and service.name not in AWS_SERVICES:
                shutil.rmtree(service)
    for examples in (build / "botocore" / "data").glob("*/*/examples-1.json"):
        examples.unlink()
    for name, operations in AWS_OPERATIONS.items():
        _trim_service(build / "botocore" / "data" / name, frozenset(operations))
    prefixes = {_endpoint_prefix(build / "botocore" / "data" / name) for name in AWS_SERVICES}
    _trim_endpoints(build / "botocore" / "data" / "endpoints.json", prefixes)
    # Holiday names are read in English (zoom_notifier.domain.meeting_days), which every localized
    # country has: the other 160-odd translations are 3.6 MiB never read.
    locales = build / "holidays" / "locale"
    for locale in sorted(locales.iterdir()) if locales.is_dir() else ():
        if locale.name != HOLIDAY_LANGUAGE:
            shutil.rmtree(locale)


def _endpoint_prefix(models: Path) -> str:
    """The name a service goes by in endpoints.json (Step Functions' is ``states``)."""
    (service_file,) = models.glob("*/service-2.json.gz")
    prefix: str = json.loads(gzip.decompress(service_file.read_bytes()))["metadata"][
        "endpointPrefix"
    ]
    return prefix


def _trim_endpoints(path: Path, prefixes: set[str]) -> None:
    """Keep every partition and region, but only the endpoints of ``AWS_SERVICES``: botocore
    decodes this whole file (1.2 MiB, some 1,000 services in 8 partitions) for the first
    client, about 16 ms and 4 MiB of a cold start, and reads no other service's entries."""
    data = json.loads(path.read_text())
    for partition in data["partitions"]:
        partition["services"] = {
            name: spec for name, spec in partition["services"].items() if name in prefixes
        }
    if not any(partition["services"] for partition in data["partitions"]):
        raise PackagingError(f"{path} lists none of {', '.join(sorted(prefixes))}")
    _replace(path, json.dumps(data, sort_keys=True, separators=(",", ":")).encode())


def _trim_service(models: Path, operations: frozenset[str]) -> None:
    """Keep one service's newest API version, cut down to ``operations`` and the shapes they
    reach: botocore parses a whole model when it creates a client (S3's lists 108 operations
    and 670 shapes; the handlers call one), which costs time and memory on every cold start."""
    versions = sorted(path for path in models.iterdir() if path.is_dir())
    for old in versions[:-1]:
        shutil.rmtree(old)
    newest = versions[-1]
    service_file = newest / "service-2.json.gz"
    model = json.loads(gzip.decompress(service_file.read_bytes()))
    model["operations"] = {
        name: spec for name, spec in model["operations"].items() if name in operations
    }
    if set(model["operations"]) != operations:
        missing = sorted(operations - set(model["operations"]))
        raise PackagingError(f"{models.name} has no operation(s) {', '.join(missing)}")
    model["shapes"] = {name: model["shapes"][name] for name in _reachable_shapes(model)}
    text = json.dumps(model, sort_keys=True, separators=(",", ":")).encode()
    _replace(service_file, gzip.compress(text, compresslevel=9, mtime=0))
    for extra in (*newest.glob("paginators-1*.json"), *newest.glob("waiters-2.json")):
        _keep_operations(extra, operations)


def _reachable_shapes(model: dict[str, Any]) -> set[str]:
    shapes: dict[str, Any] = model["shapes"]
    pending = [
        reference["shape"]
        for operation in model["operations"].values()
        for reference in (
            operation.get("input"),
            operation.get("output"),
            *operation.get("errors", []),
        )
        if reference
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        references = [*shape.get("members", {}).values()]
        references += [shape[key] for key in ("member", "key", "value") if key in shape]
        pending += [reference["shape"] for reference in references]
    return seen


def _keep_operations(path: Path, operations: frozenset[str]) -> None:
    """Paginators and waiters of removed operations go too (the handlers use none)."""
    data = json.loads(path.read_text())
    section = data.get("merge", data)
    for key in ("pagination", "waiters"):
        if key in section:
            section[key] = {
                name: spec
                for name, spec in section[key].items()
                if (name if key == "pagination" else spec.get("operation")) in operations
            }
    _replace(path, json.dumps(data, sort_keys=True, indent=1).encode())


def _replace(path: Path, content: bytes) -> None:
    """Write a new file in place of ``path``: uv installs by hard-linking its cache, so writing
    into the installed file would change the cache, and every environment linked to it."""
    path.unlink()
    path.write_bytes(content)


def _size(build: Path) -> int:
    return sum(path.stat().st_size for path in build.rglob("*") if path.is_file())


def _zip(build: Path, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(build.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(str(path.relative_to(build)), ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())


def _compile(python: str, build: Path) -> None:
    """Compile every module with the runtime's Python. The service keeps its sources (its
    tracebacks show their lines) and ``__pycache__`` files with unchecked hashes, since Lambda's
    code directory is read-only; the dependencies ship as sourceless ``.pyc`` only, which
    Python imports the same way: their sources are a fifth of the zip and never read."""
    dependencies = sorted(path for path in build.iterdir() if path.name != SERVICE_PACKAGE)
    common = (
        # Each code object records its file name: the scratch folder's random name made every
        # build differ; Lambda unpacks the zip into /var/task.
        "-s", str(build), "-p", LAMBDA_TASK_ROOT,
    )  # fmt: skip
    # A frozenset constant (`x in {"a", "b"}`) is marshalled in hash order: with randomized
    # string hashing two builds of one commit wrote different .pyc files.
    seeded = {"PYTHONHASHSEED": "0"}
    _run(
        python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
        *common, str(build / SERVICE_PACKAGE), environment=seeded,
    )  # fmt: skip
    _run(
        # Unchecked hashes here too: the default would record each source's install time.
        python, "-m", "compileall", "-q", "-j", "0", "-b", "--invalidation-mode", "unchecked-hash",
        *common,
        *(str(path) for path in dependencies if path.is_dir() or path.suffix == ".py"),
        environment=seeded,
    )  # fmt: skip
    for path in dependencies:
        sources = path.rglob("*.py") if path.is_dir() else [path] if path.suffix == ".py" else []
        for source in sources:
            source.unlink()


_ELF_MACHINES = {"x86_64": "x86-64", "arm64": "aarch64"}


# binutils built for each target machine (Debian: binutils-aarch64-linux-gnu,
# binutils-x86-64-linux-gnu); the host's own strip reads its own machine's files.
_CROSS_STRIP = {"arm64": "aarch64-linux-gnu-strip", "x86_64": "x86_64-linux-gnu-strip"}


def strip_tool(arch: str) -> str | None:
    """The ``strip`` that reads ``arch``'s files here: binutils for that machine, else the
    host's own (right when the host is that machine; refused, and said, otherwise)."""
    return shutil.which(_CROSS_STRIP[arch]) or shutil.which("strip")


def _strip_extensions(build: Path, arch: str) -> None:
    """Drop the debug symbols of the compiled extensions (aiohttp's, multidict's, frozenlist's
    and propcache's wheels carry them: 6.5 of their 8 MiB, about 1.5 MiB of the zip). Lambda
    never reads them; a traceback through a C extension has no C lines either way. Needs
    binutils' ``strip`` for the target's machine; without it the extensions ship as they came."""
    strip = strip_tool(arch)
    extensions = sorted(build.rglob("*.so"))
    if strip is None or not extensions:
        return
    with tempfile.TemporaryDirectory(prefix="zoom-notifier-strip-") as scratch:
        for extension in extensions:
            stripped = Path(scratch) / extension.name
            result = subprocess.run(  # noqa: S603 - binutils' strip, on our build's files
                [strip, "--strip-unneeded", "-o", str(stripped), str(extension)],
                capture_output=True, check=False,
            )  # fmt: skip
            if result.returncode != 0:
                print(
                    f"package: not stripping the extensions: strip cannot read {arch} "
                    f"({_ELF_MACHINES[arch]}) files here; install binutils for that machine "
                    f"({_CROSS_STRIP[arch]}; Debian: apt-get install "
                    f"binutils-{_CROSS_STRIP[arch].removesuffix('-strip')}) for a smaller zip",
                    file=sys.stderr,
                )
                return
            _replace(extension, stripped.read_bytes())


def build(arch: str, output: Path) -> tuple[int, int]:
    """Build the artifact; return its (zipped, unzipped) sizes in bytes."""
    version, _ = template_target()
    python = find_python(version)
    with tempfile.TemporaryDirectory(prefix="zoom-notifier-package-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        build_dir = Path(scratch) / "build"
        uv = _uv()
        _run(
            uv, "export", "--locked", "--no-dev", "--no-emit-project",
            "--format", "requirements-txt", "--output-file", str(requirements),
            "--project", str(REPOSITORY),
        )  # fmt: skip
        _run(
            uv, "pip", "install", "--quiet", "--no-deps", "--require-hashes",
            "--only-binary", ":all:", "--python-platform", PLATFORMS[arch],
            "--python-version", version, "--target", str(build_dir),
            "--requirement", str(requirements),
        )  # fmt: skip
        _prune(build_dir)
        _strip_extensions(build_dir, arch)
        _copy_service(build_dir)
        _compile(python, build_dir)
        unzipped = _size(build_dir)
        _zip(build_dir, output)
    return output.stat().st_size, unzipped


def main(argv: list[str] | None = None) -> int:
    _, default_arch = template_target()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default=default_arch)
    parser.add_argument("--output", type=Path, default=REPOSITORY / "dist" / "zoom-notifier.zip")
    arguments = parser.parse_args(argv)
    try:
        zipped, unzipped = build(arguments.arch, arguments.output)
    except PackagingError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    mib = 1024 * 1024
    print(f"built {arguments.output} for {arguments.arch}")
    print(f"zipped:   {zipped / mib:6.1f} MiB (Lambda's limit: {ZIP_LIMIT // mib} MiB)")
    print(f"unzipped: {unzipped / mib:6.1f} MiB (Lambda's limit: {UNZIPPED_LIMIT // mib} MiB)")
    if zipped > ZIP_LIMIT or unzipped > UNZIPPED_LIMIT:
        print("package: the artifact exceeds Lambda's limits", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
