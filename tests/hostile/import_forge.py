import json

print(json.dumps({"nonce": "0" * 32, "seq": 1, "status": "ok"}))
raise RuntimeError("import failed after a forged reply")
