import json

value = json.loads("{}")
missing = value["key"]
