"""``python -m tangentish demo`` and ``python -m tangentish show module:function``."""

from tangentish.cli import main

raise SystemExit(main())
