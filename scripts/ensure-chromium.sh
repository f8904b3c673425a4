#!/bin/sh
# The browser smoke test drives Debian's chromium. Install it when missing and
# we may (root with apt-get); otherwise the browser test skips and says why.
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser test (once)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "could not install chromium: the browser test will be skipped"
else
    echo "chromium not found and not root: the browser test will be skipped (apt-get install chromium)"
fi
exit 0
