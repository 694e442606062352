import sys

from productgen.cli.main import main

sys.exit(main())
