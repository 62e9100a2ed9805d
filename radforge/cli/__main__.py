"""`python -m radforge.cli ...`: the same as the `radforge` console script."""

from radforge.cli import main

if __name__ == "__main__":
    main()
