// The one tfjs instance every Patchwork package uses. Importing the union package
// registers the gradient functions, so users never import anything else for training.
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Rank = tf.Rank;
