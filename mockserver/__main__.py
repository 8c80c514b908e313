import sys

from frameio_oauth_mock.mockserver.cli import main

sys.exit(main())
