import os

print("about to leave")
os._exit(5)
