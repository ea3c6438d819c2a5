"""CNN Lab core: convolution, pooling, models, data, training and inspection.

Importing ``cnnlab`` is cheap: it imports neither Streamlit nor TensorFlow. Submodules
that need Keras import it inside their functions.

>>> import cnnlab.ops
"""

from cnnlab._errors import InputError
from cnnlab._home import cnnlab_home

__all__ = ["__version__", "cnnlab_home", "InputError"]
__version__ = "0.1.0"
