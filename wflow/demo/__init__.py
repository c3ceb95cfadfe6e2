"""The demo province, built through the same services people use; also the tests' scenarios."""
