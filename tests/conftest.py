"""Test-wide set-up: keep every test offline and on loopback.

google.auth and Beam probe a GCE metadata server unless told not to; these must
be set before either is imported, so they live here at collection time.
"""

import os

os.environ.setdefault("NO_GCE_CHECK", "true")
os.environ["GCE_METADATA_HOST"] = "127.0.0.1:9"
os.environ["GCE_METADATA_IP"] = "127.0.0.1:9"
os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("DVC_NO_UPDATER", "1")
os.environ.pop("GITHUB_TOKEN", None)
