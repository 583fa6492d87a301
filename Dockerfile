# The grader in a container, for machines whose kernel or policy gives no unprivileged
# user namespaces to ordinary programs (macOS and Windows hosts through Docker Desktop's
# Linux VM, Ubuntu 24.04's AppArmor default). The grader runs as an unprivileged user
# and makes its own namespaces and seccomp filter for each student's code, so the
# container's profile must let it create user namespaces (see README, "Grading in a
# container"):
#
#   docker build -t grader .
#   docker run --rm --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#       -v "$PWD:/course" grader grade-all hw1-submissions --assignment hw1.yaml --out hw1-grades
FROM python:3.11-slim-bookworm

RUN useradd --create-home --uid 10001 grader
COPY . /opt/grader-src
RUN pip install --no-cache-dir /opt/grader-src && rm -rf /opt/grader-src

USER grader
WORKDIR /course
ENTRYPOINT ["grader"]
CMD ["--help"]
