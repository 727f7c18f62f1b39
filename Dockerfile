# skiff's daemon as an image with no base image: the static binary and nothing else.
# Build the binary first (the repository's .cargo/config.toml makes it static):
#   cargo build --release && docker build -t skiff .
# Run it against the host's engine (see the README):
#   docker run -d --name skiff --network host -v /var/run/docker.sock:/var/run/docker.sock \
#     -v skiff-state:/state skiff daemon --state-dir /state
FROM scratch
# CI builds the image from the test build's binary (PROFILE=debug), already there, instead of
# spending a release build on it.
ARG PROFILE=release
COPY target/x86_64-unknown-linux-gnu/${PROFILE}/skiff /skiff
ENTRYPOINT ["/skiff"]
CMD ["daemon", "--state-dir", "/state"]
