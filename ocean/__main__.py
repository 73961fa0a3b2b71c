import sys

from ocean.cli import main

sys.exit(main())
