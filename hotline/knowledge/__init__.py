"""The knowledge base (知识库): articles and answer scripts (话术) by subject, searched during a call (C8)."""
