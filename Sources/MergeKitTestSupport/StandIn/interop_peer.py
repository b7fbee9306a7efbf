#!/usr/bin/env python3
"""huggingface_hub's side of the cache interop check (needs `pip install huggingface_hub`; run by
HuggingfaceHubInteropTests when HUB_INTEROP_PYTHON names a python that has it).

  interop_peer.py read REPO REVISION FILE...   with HF_HUB_OFFLINE=1: hf_hub_download each file
                                               from the cache in HF_HUB_CACHE, then scan_cache_dir
  interop_peer.py fill REPO REVISION FILE...   hf_hub_download each file from HF_ENDPOINT into
                                               HF_HUB_CACHE

Prints one JSON object: {"paths": {file: path}, "scan": {...}} (scan only for read).
"""
import json
import os
import sys

import huggingface_hub


def main():
    command, repo, revision, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    paths = {name: huggingface_hub.hf_hub_download(repo, name, revision=revision) for name in files}
    result = {"paths": paths, "version": huggingface_hub.__version__}
    if command == "read":
        info = huggingface_hub.scan_cache_dir(os.environ["HF_HUB_CACHE"])
        result["scan"] = {
            "warnings": [str(warning) for warning in info.warnings],
            "repos": [{
                "repo_id": repo_info.repo_id,
                "nb_files": repo_info.nb_files,
                "size_on_disk": repo_info.size_on_disk,
                "refs": sorted(ref for revision_info in repo_info.revisions for ref in revision_info.refs),
                "commits": sorted(revision_info.commit_hash for revision_info in repo_info.revisions),
            } for repo_info in info.repos],
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
