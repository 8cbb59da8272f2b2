#!/usr/bin/env python
from chitra.cli import main

if __name__ == "__main__":
    main()
