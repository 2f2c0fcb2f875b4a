#!/bin/sh
# Image entrypoint: java -jar /app/udas.jar <command> ... with the image's JVM options.
#   JAVA_OPTS       memory flags of the image (docker/Dockerfile*); replace with -e JAVA_OPTS=...
#   UDAS_JAVA_OPTS  extra flags appended to them
# /app/cuda-kernels, written by a from-source ND4J CUDA build (docker/Dockerfile.cuda, ND4J_CUDA=source),
# names the compute capabilities of that build for udas' GPU check (io.udas.util.Gpu).
set -e
if [ -z "${UDAS_CUDA_KERNELS:-}" ] && [ -s /app/cuda-kernels ]; then
    UDAS_CUDA_KERNELS="$(cat /app/cuda-kernels)"
    export UDAS_CUDA_KERNELS
fi
# Word splitting of the option variables is intended.
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} ${UDAS_JAVA_OPTS:-} -jar /app/udas.jar "$@"
