#!/usr/bin/env bash
# Static checks of the Docker packaging, cheap enough for CI (no Docker engine needed).
#
#   docker/check.sh              static checks (files, COPY sources, stages, jar names, lint by grep)
#   docker/check.sh --remote     + the ND4J/CUDA artifacts exist on Maven Central (HEAD requests, sizes)
#   docker/check.sh --maven      + runs the Maven commands of docker/Dockerfile's build stage in a copy of
#                                  the build context with a fresh local repository, then java -jar udas.jar --help
#   docker/check.sh --maven-cuda + the same for docker/Dockerfile.cuda (downloads ~0.6 GB of CUDA jars)
#
# M2=<dir> reuses a local repository for --maven*; KEEP=1 keeps the temporary context;
# ND4J_JAR=<jar> stands in for the from-source ND4J CUDA jar (exercises Dockerfile.cuda's install-file step).
# Single quotes around ${...} and bash -c '...$1...' are intended throughout.
# shellcheck disable=SC2016
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FAILS=0
pass() { printf 'ok    %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILS=$((FAILS + 1)); }
check() { local msg="$1"; shift; if "$@" >/dev/null 2>&1; then pass "$msg"; else fail "$msg"; fi; }

REMOTE=0 MAVEN=0 MAVEN_CUDA=0
for a in "$@"; do
    case "$a" in
        --remote) REMOTE=1 ;;
        --maven) MAVEN=1 ;;
        --maven-cuda) MAVEN_CUDA=1 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown option $a" >&2; exit 2 ;;
    esac
done

# Dockerfile instructions with continuation lines joined, comments dropped.
instructions() {
    awk '/^[[:space:]]*#/ {next}
         { line = line $0 }
         /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, " ", line); next }
         { if (line ~ /[^[:space:]]/) print line; line = "" }' "$1"
}

# ------------------------------------------------------------------------------------------ files
for f in docker/Dockerfile docker/Dockerfile.cuda docker/entrypoint.sh docker/README.md \
         docker/Dockerfile.dockerignore docker/Dockerfile.cuda.dockerignore pom.xml .mvn/maven.config; do
    check "exists: $f" test -f "$f"
done
check "entrypoint.sh parses (sh -n)" sh -n docker/entrypoint.sh
check "check.sh parses (bash -n)" bash -n docker/check.sh
if command -v shellcheck >/dev/null 2>&1; then
    check "shellcheck entrypoint.sh check.sh" shellcheck docker/entrypoint.sh docker/check.sh
fi
check "entrypoint runs java -jar /app/udas.jar" grep -Eq 'exec java .*-jar /app/udas\.jar "\$@"' docker/entrypoint.sh
check ".mvn/maven.config pins javacpp.platform=linux-x86_64" grep -q -- '-Djavacpp.platform=linux-x86_64' .mvn/maven.config

# ------------------------------------------------------------------------------------------ pom
check "pom: CPU jar is target/udas.jar" grep -q '<outputFile>${project.build.directory}/udas.jar</outputFile>' pom.xml
check "pom: profile cuda" grep -q '<id>cuda</id>' pom.xml
check "pom: profile cuda-redist" grep -q '<id>cuda-redist</id>' pom.xml
check "pom: -Pcuda jar is target/udas-cuda.jar" grep -q '<outputFile>${project.build.directory}/udas-cuda.jar</outputFile>' pom.xml
check "pom: cuDNN classifier of nd4j-cuda" grep -q '<classifier>linux-x86_64-cudnn</classifier>' pom.xml

# ------------------------------------------------------------------------------------------ Dockerfiles
allowed_by_ignore() { # $1 ignore file, $2 path: allow-list (* then !entries) semantics
    local ign="$1" p="${2%/}" e
    while IFS= read -r e; do
        e="${e%/}"
        [[ "$p" == "$e" || "$p" == "$e"/* ]] && return 0
    done < <(sed -n 's/^!//p' "$ign")
    return 1
}

lint_dockerfile() {
    local df="$1" jar="$2" ign="$1.dockerignore"
    local ins stages=() s
    ins="$(instructions "$df")"
    check "$df: first line is # syntax=docker/dockerfile:1" grep -qx '# syntax=docker/dockerfile:1' <(head -1 "$df")
    # stages, in order
    while read -r s; do stages+=("$s"); done < <(grep -iE '^FROM ' <<<"$ins" | grep -ioE ' AS [A-Za-z0-9_.-]+$' | awk '{print $2}' || true)
    has_stage() { local x; for x in "${stages[@]}"; do [[ "$x" == "$1" ]] && return 0; done; return 1; }
    # COPY sources from the context exist and pass the .dockerignore
    local line src n=0
    while IFS= read -r line; do
        [[ "$line" =~ --from= ]] && continue
        read -ra w <<<"$line"
        for src in "${w[@]:1:${#w[@]}-2}"; do
            [[ "$src" == --* ]] && continue
            n=$((n + 1))
            check "$df: COPY source exists: $src" test -e "$src"
            check "$df: COPY source not excluded by $(basename "$ign"): $src" allowed_by_ignore "$ign" "$src"
        done
    done < <(grep -E '^COPY ' <<<"$ins" || true)
    check "$df: copies something from the context" test "$n" -gt 0
    # --from= and FROM <stage> refer to defined stages (ND4J_CUDA expanded to each value)
    local ref
    while read -r ref; do
        if [[ "$ref" == *'${ND4J_CUDA}'* ]]; then
            for v in central source; do check "$df: stage ${ref//\$\{ND4J_CUDA\}/$v} defined" has_stage "${ref//\$\{ND4J_CUDA\}/$v}"; done
        elif [[ "$ref" != *[:/]* && "$ref" != *'$'* ]]; then
            check "$df: $ref is a stage defined before (or an image: then give it a tag)" has_stage "$ref"
        fi
    done < <( { grep -oE -- '--from=[^ ]+' <<<"$ins" | cut -d= -f2 || true; grep -E '^FROM ' <<<"$ins" | awk '{print $2}'; } | sort -u)
    # image references carry a tag (literal FROMs and ARG defaults that look like images)
    local img
    while read -r img; do
        check "$df: image has a tag, not latest: $img" bash -c '[[ "$1" == *:* && "$1" != *:latest ]]' _ "$img"
    done < <( { grep -E '^FROM ' <<<"$ins" | awk '{print $2}' | grep -v '\$' | grep '/' || true;
                grep -E '^ARG [A-Z_]*IMAGE=' <<<"$ins" | cut -d= -f2 || true; } | sort -u)
    # build stage produces the right jar; runtime puts it where the entrypoint looks
    check "$df: build copies target/$jar" grep -q "cp target/$jar /udas.jar" <<<"$ins"
    check "$df: runtime has /app/udas.jar" grep -qE '^COPY --from=build /udas.jar /app/udas.jar$' <<<"$ins"
    check "$df: dependency layer before the sources (pom.xml, .mvn/ copied before src/)" \
        bash -c 'a=$(grep -n "^COPY pom.xml" <<<"$1" | head -1 | cut -d: -f1); b=$(grep -n "^COPY src/" <<<"$1" | head -1 | cut -d: -f1); r=$(grep -n "resolve-plugins" <<<"$1" | head -1 | cut -d: -f1); [ -n "$a" ] && [ -n "$b" ] && [ -n "$r" ] && [ "$a" -lt "$r" ] && [ "$r" -lt "$b" ]' _ "$ins"
    check "$df: Maven build stage on maven:3-eclipse-temurin-17" grep -q '^ARG MAVEN_IMAGE=maven:3-eclipse-temurin-17$' <<<"$ins"
    # final stage
    local final
    final="$(awk '/^FROM /{buf=""} {buf = buf $0 "\n"} END{printf "%s", buf}' <<<"$ins")"
    check "$df: final stage runs as a non-root USER" bash -c 'u=$(grep -E "^USER " <<<"$1" | tail -1 | awk "{print \$2}"); [ -n "$u" ] && [ "$u" != root ] && [ "$u" != 0 ]' _ "$final"
    check "$df: ENTRYPOINT in exec form runs /app/entrypoint.sh" grep -qE '^ENTRYPOINT \[.*"/app/entrypoint.sh"\]$' <<<"$final"
    check "$df: CMD in exec form" grep -qE '^CMD \[' <<<"$final"
    check "$df: VOLUME /data and /runs" grep -qE '^VOLUME \["/data", "/runs"\]$' <<<"$final"
    check "$df: JVM heap sized from the container (MaxRAMPercentage)" grep -q -- '-XX:MaxRAMPercentage=' <<<"$final"
    check "$df: JavaCPP off-heap limits (maxbytes, maxphysicalbytes)" \
        bash -c 'grep -q -- "-Dorg.bytedeco.javacpp.maxbytes=" <<<"$1" && grep -q -- "-Dorg.bytedeco.javacpp.maxphysicalbytes=" <<<"$1"' _ "$final"
    # hadolint-like rules, by grep
    check "$df: no ADD (DL3020)" bash -c '! grep -qE "^ADD " <<<"$1"' _ "$ins"
    check "$df: no MAINTAINER (DL4000)" bash -c '! grep -qE "^MAINTAINER " <<<"$1"' _ "$ins"
    check "$df: WORKDIR absolute (DL3000)" bash -c '! grep -E "^WORKDIR " <<<"$1" | grep -qvE "^WORKDIR /"' _ "$ins"
    check "$df: no sudo (DL3004)" bash -c '! grep -E "^RUN " <<<"$1" | grep -qw sudo' _ "$ins"
    check "$df: no apt-get upgrade (DL3005)" bash -c '! grep -qE "apt-get (dist-)?upgrade" <<<"$1"' _ "$ins"
    check "$df: no cd in RUN, use WORKDIR (DL3003)" bash -c '! grep -E "^RUN " <<<"$1" | grep -qE "(^RUN |&& |; )cd "' _ "$ins"
    check "$df: apt-get install with --no-install-recommends and -y (DL3015, DL3014)" \
        bash -c '! grep -E "apt-get install" <<<"$1" | grep -vqE "apt-get install -y --no-install-recommends"' _ "$ins"
    check "$df: apt-get update in the same RUN as install, lists removed (DL3009)" \
        bash -c '! grep -E "apt-get install" <<<"$1" | grep -vqE "apt-get update.*apt-get install.*rm -rf /var/lib/apt/lists"' _ "$ins"
    check "$df: no pipes in RUN without pipefail (DL4006)" bash -c '! grep -E "^RUN " <<<"$1" | grep -E "[^|]\|[^|]" | grep -qv pipefail' _ "$ins"
}

lint_dockerfile docker/Dockerfile udas.jar
lint_dockerfile docker/Dockerfile.cuda udas-cuda.jar
check "Dockerfile.cuda: CUDA runtime base" grep -q '^ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:11.6.2-cudnn8-runtime-ubuntu20.04$' docker/Dockerfile.cuda
check "Dockerfile.cuda: source build takes CUDA_ARCH" grep -q '^ARG CUDA_ARCH=' docker/Dockerfile.cuda
check "Dockerfile.cuda: source build passes -Dlibnd4j.compute" grep -q -- '-Dlibnd4j.compute="${CUDA_ARCH}"' docker/Dockerfile.cuda
check "Dockerfile.cuda: builds with -Pcuda" grep -q -- '-Pcuda -DskipTests package' docker/Dockerfile.cuda
check "Dockerfile.cuda: driver capabilities for --gpus" grep -q 'NVIDIA_DRIVER_CAPABILITIES=compute,utility' docker/Dockerfile.cuda
check "README: docker run --gpus all" grep -q -- 'docker run .*--gpus all' docker/README.md

# ------------------------------------------------------------------------------------------ remote
if [[ $REMOTE == 1 ]]; then
    C=https://repo1.maven.org/maven2
    for u in \
        org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1.jar \
        org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64-cudnn.jar \
        org/nd4j/nd4j-cuda-11.6-platform/1.0.0-M2.1/nd4j-cuda-11.6-platform-1.0.0-M2.1.pom \
        org/nd4j/nd4j-cuda-11.6-preset/1.0.0-M2.1/nd4j-cuda-11.6-preset-1.0.0-M2.1-linux-x86_64.jar \
        org/bytedeco/cuda/11.6-8.3-1.5.7/cuda-11.6-8.3-1.5.7-linux-x86_64.jar \
        org/bytedeco/cuda/11.6-8.3-1.5.7/cuda-11.6-8.3-1.5.7-linux-x86_64-redist.jar \
        org/bytedeco/cuda-platform-redist/11.6-8.3-1.5.7/cuda-platform-redist-11.6-8.3-1.5.7.pom; do
        len="$(curl -sfI "$C/$u" | tr -d '\r' | awk 'tolower($1)=="content-length:"{print $2}')" || len=""
        if [[ -n "$len" ]]; then pass "Maven Central: $(basename "$u") ($((len / 1048576)) MB)"; else fail "Maven Central: $u"; fi
    done
fi

# ------------------------------------------------------------------------------------------ maven
# Runs the build stage's RUN lines that call mvn, as the Dockerfile writes them, in a copy of the
# build context (only what the .dockerignore lets through), with /m2 and /nd4j mapped to temp dirs.
run_build_stage() {
    local df="$1" jar="$2" ctx m2 cmd
    ctx="$(mktemp -d)"
    m2="${M2:-$ctx/m2}"
    mkdir -p "$ctx/ctx" "$m2" "$ctx/nd4j"
    # ND4J_JAR=<jar> plays the from-source ND4J build (docker/Dockerfile.cuda, ND4J_CUDA=source)
    if [[ -n "${ND4J_JAR:-}" && "$df" == *cuda* ]]; then cp "$ND4J_JAR" "$ctx/nd4j/nd4j-cuda-11.6-linux-x86_64-cudnn.jar"; fi
    (cd "$ROOT" && git ls-files --cached --others --exclude-standard) | while IFS= read -r f; do
        if allowed_by_ignore "$df.dockerignore" "$f"; then mkdir -p "$ctx/ctx/$(dirname "$f")"; cp -p "$f" "$ctx/ctx/$f"; fi
    done
    local ok=1
    while IFS= read -r cmd; do
        cmd="${cmd#RUN }"
        cmd="${cmd//=\/m2/=$m2}"
        cmd="${cmd// \/nd4j\// $ctx/nd4j/}"
        cmd="${cmd//=\/nd4j\//=$ctx/nd4j/}"
        cmd="${cmd// \/udas.jar/ $ctx/udas.jar}"
        echo "+ $cmd"
        if ! (cd "$ctx/ctx" && sh -ec "$cmd"); then ok=0; break; fi
    done < <(awk '/^FROM .* AS build$/{b=1; next} /^FROM /{b=0} b' <(instructions "$df") | grep -E '^RUN .*mvn')
    if [[ $ok == 1 ]]; then pass "$df: build-stage Maven commands (repo $m2: $(du -sh "$m2" | cut -f1))"; else fail "$df: build-stage Maven commands"; fi
    check "$df: built $jar ($(du -h "$ctx/udas.jar" 2>/dev/null | cut -f1))" test -s "$ctx/udas.jar"
    check "$df: jar main class io.udas.cli.Main" bash -c 'unzip -p "$1" META-INF/MANIFEST.MF | grep -q "Main-Class: io.udas.cli.Main"' _ "$ctx/udas.jar"
    check "$df: java -jar udas.jar --help" java -jar "$ctx/udas.jar" --help
    if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $ctx"; else rm -rf "$ctx"; fi
}
[[ $MAVEN == 1 ]] && run_build_stage docker/Dockerfile udas.jar
[[ $MAVEN_CUDA == 1 ]] && run_build_stage docker/Dockerfile.cuda udas-cuda.jar

echo
if [[ $FAILS -gt 0 ]]; then echo "$FAILS check(s) failed"; exit 1; fi
echo "all checks passed"
