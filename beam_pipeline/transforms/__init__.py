"""The six PTransforms of the job, in pipeline order."""

from .check_scenes import CheckScenes, LabelPairs, WriteSceneVerdicts
from .extract import ExtractCommentCodePairs
from .fetch import FetchAndUploadRaw
from .filter import FilterManimImports
from .list_files import ListPyFiles
from .search import SearchRepos
from .write import WriteJson

__all__ = [
    "CheckScenes",
    "ExtractCommentCodePairs",
    "FetchAndUploadRaw",
    "FilterManimImports",
    "LabelPairs",
    "ListPyFiles",
    "SearchRepos",
    "WriteJson",
    "WriteSceneVerdicts",
]
