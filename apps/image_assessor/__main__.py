import sys

from .assessor import main

if __name__ == "__main__":
    sys.exit(main())
